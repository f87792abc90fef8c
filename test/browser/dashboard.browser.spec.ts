import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { People, bearer, openOnline, pay } from '../e2e/support/scenario';
import { launchChromium } from './support/chromium';
import { startOpsApp, type OpsApp } from './support/ops-app';

const ARTIFACTS = join(__dirname, '..', 'artifacts');

/** The page in headless Chromium against the real app: what it shows is what the API returns. */
describe('browser: the /dashboard page', () => {
  let t: OpsApp;
  let chromium: { context: BrowserContext; close(): Promise<void> };
  let page: Page;
  let opsToken: string;
  const people = new People();

  beforeAll(async () => {
    chromium = await launchChromium();
    t = await startOpsApp();
    opsToken = t.token({ role: 'ops' });
    for (let i = 0; i < 3; i++) {
      const { contract } = await openOnline(t, people.next().nationalCode);
      if (i < 2) expect((await pay(t, contract)).status).toBe(201);
    }
    await t.caughtUp();
    const address = t.app.getHttpServer().address() as { port: number };
    page = await chromium.context.newPage();
    await page.goto(`http://127.0.0.1:${address.port}/dashboard`);
  });
  afterAll(async () => {
    await chromium?.close();
    await t?.close();
  });

  const api = async () => (await t.http().get('/v1/dashboard/branches').set(bearer(opsToken)).expect(200)).body;
  const shown = (id: string) => page.locator(`#${id}`).getAttribute('data-value');

  it('asks for a token in Persian, right to left, with a labelled field', async () => {
    expect(await page.locator('html').getAttribute('dir')).toBe('rtl');
    expect(await page.locator('html').getAttribute('lang')).toBe('fa');
    await page.getByLabel('توکن دسترسی (نقش ops یا کارمند شعبه)').waitFor();
    expect(await page.locator('#board').isHidden()).toBe(true);
  });

  it('refuses a bad token and says so', async () => {
    await page.getByLabel('توکن دسترسی (نقش ops یا کارمند شعبه)').fill('not-a-token');
    await page.keyboard.press('Enter'); // keyboard only
    await page.getByRole('alert').filter({ hasText: 'توکن پذیرفته نشد' }).waitFor();
  });

  it('shows the counts the API returns, per branch and in the chart', async () => {
    await page.getByLabel('توکن دسترسی (نقش ops یا کارمند شعبه)').fill(opsToken);
    await page.getByRole('button', { name: 'نمایش داشبورد' }).click();
    const body = await api();
    await page.locator(`#board[data-checkpoint="${body.checkpoint}"]`).waitFor();
    expect(await shown('total-contracts')).toBe(String(body.totals.contracts));
    expect(await shown('total-openedToday')).toBe(String(body.totals.openedToday));
    expect(await shown('total-active')).toBe(String(body.totals.byStatus.active));
    expect(await shown('total-awaiting_payment')).toBe(String(body.totals.byStatus.awaiting_payment));
    // Every status has its card, so the cards add up to the contracts.
    for (const status of ['payments_blocked', 'cancelled', 'terminated']) expect(await shown(`total-${status}`)).toBe(String(body.totals.byStatus[status]));
    // Persian digits on screen.
    expect(await page.locator('#total-contracts').textContent()).toBe(new Intl.NumberFormat('fa-IR').format(body.totals.contracts));
    // "This month" is the service's month, whatever the filter: the card names it.
    expect(body.month).toBe('1405-09');
    expect(await page.locator('#label-openedThisMonth').textContent()).toBe('منعقدشده در این ماه (۱۴۰۵/۰۹)');
    expect(await page.locator('#viewer').textContent()).toBe('واردشده: کاربر عملیات (همه شعب)');
    for (const branch of body.branches as { branchId: string; contracts: number; openedToday: number }[]) {
      const row = page.locator(`tr[data-branch="${branch.branchId}"]`);
      expect(await row.locator('td[data-field="contracts"]').getAttribute('data-value')).toBe(String(branch.contracts));
      expect(await row.locator('td[data-field="openedToday"]').getAttribute('data-value')).toBe(String(branch.openedToday));
    }
    // A row per province, each the sum of its branches' rows.
    const provinces = body.provinces as { provinceCode: string; contracts: number; byStatus: { active: number } }[];
    expect(provinces.length).toBeGreaterThan(0);
    expect(await page.locator('#provinces-body tr').count()).toBe(provinces.length);
    for (const province of provinces) {
      const row = page.locator(`tr[data-province="${province.provinceCode}"]`);
      expect(await row.locator('th').textContent()).toBe(province.provinceCode.replace(/[0-9]/g, (d) => String.fromCharCode(0x06f0 + Number(d))));
      expect(await row.locator('td[data-field="contracts"]').getAttribute('data-value')).toBe(String(province.contracts));
      expect(await row.locator('td[data-field="active"]').getAttribute('data-value')).toBe(String(province.byStatus.active));
      const branches = (body.branches as { provinceCode: string; contracts: number }[]).filter((b) => b.provinceCode === province.provinceCode);
      expect(province.contracts).toBe(branches.reduce((sum, b) => sum + b.contracts, 0));
    }
    expect(await page.locator('#chart rect[data-date="2026-12-01"]').getAttribute('data-count')).toBe(String(body.totals.openedToday));
    expect(await page.locator('#chart rect').count()).toBe(30);
  });

  it('updates by itself after a new contract is concluded', async () => {
    const before = Number(await shown('total-contracts'));
    await openOnline(t, people.next().nationalCode);
    await page.locator(`#total-contracts[data-value="${before + 1}"]`).waitFor({ timeout: 15_000 });
    const body = await api();
    expect(body.totals.contracts).toBe(before + 1);
    expect(await page.locator('#chart rect[data-date="2026-12-01"]').getAttribute('data-count')).toBe(String(body.totals.openedToday));
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-fa.png'), fullPage: true });
  });

  it('switches to English, left to right, from the keyboard', async () => {
    await page.locator('#lang').focus();
    await page.keyboard.press('Enter');
    expect(await page.locator('html').getAttribute('dir')).toBe('ltr');
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    await page.getByRole('heading', { name: 'Contracts opened per day' }).waitFor();
    expect(await page.locator('#total-contracts').textContent()).toBe(String((await api()).totals.contracts));
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-en.png'), fullPage: true });
  });

  it("keeps the chart's text readable on a phone: drawn for its width, every tenth day named", async () => {
    const before = page.viewportSize()!;
    // Found and measured in one step in the page: a poll's redraw may replace the element between two.
    const tickHeight = () =>
      page.evaluate(
        () =>
          (globalThis as unknown as { document: { querySelector(selector: string): { getBoundingClientRect(): { height: number } } } }).document
            .querySelector('#chart text.tick')
            .getBoundingClientRect().height,
      );
    // Functions, not strings: the page's CSP allows no eval. (No DOM types here.)
    const drawnFor = (width: number) =>
      page.waitForFunction(
        (w) => (globalThis as unknown as { document: { getElementById(id: string): { getAttribute(name: string): string } } }).document.getElementById('chart').getAttribute('viewBox') === `0 0 ${w} 220`,
        width,
      );
    const fullWidth = (await page.locator('#chart').getAttribute('viewBox'))!.split(' ')[2];
    expect(fullWidth).toBe('720');
    expect(await tickHeight()).toBeGreaterThan(11);
    await page.setViewportSize({ width: 375, height: 812 });
    try {
      const narrow = Math.round((await page.locator('#chart').boundingBox())!.width);
      expect(narrow).toBeLessThan(400);
      await drawnFor(narrow);
      // 13 units of text: drawn at the full 720 units it would be ~6 px high on this screen.
      expect(await tickHeight()).toBeGreaterThan(11);
      expect(await page.locator('#chart text:not(.tick)').count()).toBe(4); // days 1, 11, 21 and the last
      // Every day's label inside the chart (the newest one, at its edge, ran past it).
      const outside = await page.evaluate(() => {
        type Box = { left: number; right: number };
        const chart = (globalThis as unknown as { document: { getElementById(id: string): { getBoundingClientRect(): Box; querySelectorAll(selector: string): Iterable<{ getBoundingClientRect(): Box; textContent: string }> } } }).document.getElementById('chart');
        const box = chart.getBoundingClientRect();
        return [...chart.querySelectorAll('text:not(.tick)')].filter((label) => label.getBoundingClientRect().left < box.left || label.getBoundingClientRect().right > box.right).map((label) => label.textContent);
      });
      expect(outside).toEqual([]);
      // The summary's cards two abreast, not fifteen screens of one.
      const [first, second] = await page.locator('#totals div').evaluateAll((cards) => cards.slice(0, 2).map((card) => (card as unknown as { getBoundingClientRect(): { top: number } }).getBoundingClientRect().top));
      expect(second).toBe(first);
      await mkdir(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'dashboard-phone-en.png'), fullPage: true });
    } finally {
      await page.setViewportSize(before);
    }
    await drawnFor(720);
    expect(await page.locator('#chart text:not(.tick)').count()).toBe(7);
  });

  it('labels every form field and gives the chart a text alternative', async () => {
    const inputs = await page.locator('input').all();
    expect(inputs.length).toBe(4);
    for (const input of inputs) expect(await page.locator(`label[for="${await input.getAttribute('id')}"]`).count()).toBe(1);
    expect(await page.locator('#chart').getAttribute('role')).toBe('img');
    expect((await page.locator('#chart-desc').textContent())!.length).toBeGreaterThan(10);
    // The tables' regions (provinces, branches) are reachable by Tab.
    const regions = await page.locator('.table-wrap').all();
    expect(regions).toHaveLength(2);
    for (const region of regions) expect(await region.getAttribute('tabindex')).toBe('0');
  });

  it("draws the chart's axis inside the chart, its middle line a whole number", async () => {
    // An odd busiest day (5 contracts): its middle line must not read 5 / 2 rounded.
    const before = Number(await shown('total-contracts'));
    await openOnline(t, people.next().nationalCode);
    await page.locator(`#total-contracts[data-value="${before + 1}"]`).waitFor({ timeout: 15_000 });
    expect(Math.max(...((await api()).openedPerDay as { count: number }[]).map((day) => day.count)) % 2).toBe(1);
    const ticks = await page.locator('#chart text.tick').evaluateAll((nodes) =>
      nodes.map((node) => {
        const box = (node as unknown as { getBBox(): { x: number; width: number } }).getBBox();
        return { text: node.textContent, left: box.x, right: box.x + box.width };
      }),
    );
    expect(ticks).toHaveLength(3);
    const [bottom, middle, top] = ticks.map((tick) => Number(tick.text));
    expect([bottom, middle! * 2]).toEqual([0, top]);
    for (const tick of ticks) expect(tick.left >= 0 && tick.right <= 720).toBe(true);
    for (const lang of ['fa', 'en']) {
      // in both directions (the page is in English here; Persian is drawn right to left)
      if ((await page.locator('html').getAttribute('lang')) !== lang) await page.locator('#lang').click();
      const boxes = await page.locator('#chart text.tick').evaluateAll((nodes) =>
        nodes.map((node) => {
          const box = (node as unknown as { getBBox(): { x: number; width: number } }).getBBox(); // an SVGRect: not serialisable as is
          return { left: box.x, right: box.x + box.width };
        }),
      );
      expect(boxes).toHaveLength(3);
      for (const box of boxes) expect({ lang, ...box, inside: box.left >= 0 && box.right <= 720 }).toMatchObject({ inside: true });
    }
  });

  it('takes filters typed in Persian digits, and says why a filter is refused without signing out', async () => {
    if ((await page.locator('html').getAttribute('lang')) !== 'en') await page.locator('#lang').click();
    const [branch] = (await api()).branches as { branchId: string }[];
    const persian = branch!.branchId.replace(/[0-9]/g, (d) => String.fromCharCode(0x06f0 + Number(d)));
    await page.getByLabel('Branch code').fill(persian);
    await page.getByRole('button', { name: 'Apply' }).click();
    // The unfiltered table already holds this branch's row: wait for the filtered answer to drop the others.
    const rows = page.locator('#branches-body tr[data-branch]');
    await rows.nth(1).waitFor({ state: 'detached' });
    expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-branch')))).toEqual([branch!.branchId]);
    await page.getByLabel('Branch code').fill('');
    await page.getByLabel('Month concluded (e.g. 1405-09)').fill('1405-13');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByRole('alert').filter({ hasText: 'Invalid filter: ' }).waitFor();
    expect(await page.locator('#board').isVisible()).toBe(true);
    // The board shown is still the branch's, and goes on refreshing it: the inputs say so again.
    expect([await page.getByLabel('Branch code').inputValue(), await page.getByLabel('Month concluded (e.g. 1405-09)').inputValue()]).toEqual([branch!.branchId, '']);
    const polled = await page.waitForRequest((request) => request.url().includes(`/v1/dashboard/branches?branch=${branch!.branchId}`));
    expect(polled.url()).not.toContain('period=');
    await page.waitForTimeout(2_500); // another answer for the board's filters: the refusal is still said
    expect(await page.locator('#error').textContent()).toContain('Invalid filter: ');
    // In Persian, the refusal is the API's Persian one.
    await page.locator('#lang').click();
    await page.locator('#f-period').fill('1405-13');
    await page.locator('#filters button[type=submit]').click();
    await page.getByRole('alert').filter({ hasText: 'فیلتر نادرست است' }).waitFor();
    expect(await page.locator('#error').textContent()).toContain('«period» باید یک ماه خورشیدی به شکل YYYY-MM باشد');
    await page.locator('#lang').click();
    await page.getByLabel('Branch code').fill('');
    await page.getByLabel('Month concluded (e.g. 1405-09)').fill('');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.locator('#error:empty').waitFor();
  });

  it("keeps a branch officer signed in when they ask for another branch, and says it is not theirs", async () => {
    const [own, other] = (await api()).branches as { branchId: string }[];
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Access token (ops or branch officer role)').fill(t.token({ role: 'branch_officer', branchId: own!.branchId }));
    await page.getByRole('button', { name: 'Show dashboard' }).click();
    await page.locator(`tr[data-branch="${own!.branchId}"]`).waitFor();
    await page.getByLabel('Branch code').fill(other?.branchId ?? '9999');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByRole('alert').filter({ hasText: 'not allowed for your token' }).waitFor();
    expect(await page.locator('#board').isVisible()).toBe(true);
    expect(await page.locator('#viewer').textContent()).toBe(`Signed in: branch officer, branch ${own!.branchId}`);
  });

  it('drops an answer still on its way when signing out: the board does not come back, no refusal shows', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click(); // the officer's session, from the test before
    await page.getByLabel('Access token (ops or branch officer role)').fill(opsToken);
    await page.getByRole('button', { name: 'Show dashboard' }).click();
    await page.locator('#board').waitFor();
    // Answers now take 1.5 s: sign out while the next poll is on its way.
    let started = 0;
    await page.route('**/v1/dashboard/branches**', async (route) => {
      started += 1;
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      await route.continue().catch(() => undefined); // the page may have dropped it
    });
    try {
      for (let i = 0; started === 0 && i < 50; i++) await page.waitForTimeout(100);
      expect(started).toBeGreaterThan(0);
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForTimeout(3_000);
      expect([await page.locator('#board').isHidden(), await page.locator('#login-error').textContent(), await page.locator('#error').textContent()]).toEqual([true, '', '']);
    } finally {
      await page.unroute('**/v1/dashboard/branches**');
    }
  });

  it('sends a token of another role back to sign in, saying it will not do', async () => {
    await page.getByLabel('Access token (ops or branch officer role)').fill(t.token({ role: 'auditor' }));
    await page.getByRole('button', { name: 'Show dashboard' }).click();
    await page.getByRole('alert').filter({ hasText: 'Token refused' }).waitFor();
    expect(await page.locator('#board').isHidden()).toBe(true);
  });

  it('drops a poll for the old filters when new ones are applied: its late answer does not hide their refusal', async () => {
    await page.getByLabel('Access token (ops or branch officer role)').fill(opsToken);
    await page.getByRole('button', { name: 'Show dashboard' }).click();
    await page.locator('#board').waitFor();
    // Polls without filters now take 2 s, filtered ones 0.2 s: apply a refused month while one is on its way.
    let unfiltered = 0;
    await page.route('**/v1/dashboard/branches**', async (route) => {
      const filtered = route.request().url().includes('period=');
      if (!filtered) unfiltered += 1;
      await new Promise((resolve) => setTimeout(resolve, filtered ? 200 : 2_000));
      await route.continue().catch(() => undefined);
    });
    try {
      for (let i = 0; unfiltered === 0 && i < 50; i++) await page.waitForTimeout(100);
      await page.getByLabel('Month concluded (e.g. 1405-09)').fill('1405-13');
      await page.getByRole('button', { name: 'Apply' }).click();
      await page.getByRole('alert').filter({ hasText: 'Invalid filter: ' }).waitFor();
      await page.waitForTimeout(2_500); // past the old poll's answer
      expect(await page.locator('#error').textContent()).toContain('Invalid filter: ');
    } finally {
      await page.unroute('**/v1/dashboard/branches**');
    }
  });

  it('starts the next session afresh: filters left by the last one are not applied to a new token', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click(); // it left the refused month 1405-13
    await page.getByLabel('Access token (ops or branch officer role)').fill(opsToken);
    await page.getByRole('button', { name: 'Show dashboard' }).click();
    await page.locator('#board').waitFor();
    expect([await page.locator('#error').textContent(), await page.getByLabel('Month concluded (e.g. 1405-09)').inputValue()]).toEqual(['', '']);
  });

  it('says how old the figures are, and frames them, while the service does not answer; both go once it does', async () => {
    // Found and read in one step in the page, as a redraw may replace the card (no DOM types here).
    const cardBorder = () =>
      page.evaluate(() => {
        const window = globalThis as unknown as { document: { querySelector(selector: string): unknown }; getComputedStyle(node: unknown): { borderTopStyle: string } };
        return window.getComputedStyle(window.document.querySelector('#totals div')).borderTopStyle;
      });
    await page.route('**/v1/dashboard/branches**', (route) => route.abort('connectionrefused'));
    try {
      await page.getByRole('alert').filter({ hasText: 'Could not load data; retrying. The figures shown are from ' }).waitFor({ timeout: 10_000 });
      // The time of the last answer, which the status line says too (no answer has come since).
      const checked = /last checked (\S+)/.exec((await page.locator('#status').textContent())!)![1]!;
      expect(await page.locator('#error').textContent()).toBe(`Could not load data; retrying. The figures shown are from ${checked}.`);
      expect(await page.locator('#board').getAttribute('data-stale')).toBe('');
      expect(await cardBorder()).toBe('dashed');
    } finally {
      await page.unroute('**/v1/dashboard/branches**');
    }
    await page.locator('#board:not([data-stale])').waitFor({ timeout: 10_000 });
    expect(await page.locator('#error').textContent()).toBe('');
    expect(await cardBorder()).toBe('solid');
  });
});
