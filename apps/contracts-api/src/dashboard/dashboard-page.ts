/**
 * The ops dashboard as one self-contained HTML document: no CDN, no web fonts, no build step
 * (the service may run where there is no internet). Persian and right-to-left by default, with
 * an English toggle; the chart is inline SVG drawn by the page's script. The script polls
 * `GET /v1/dashboard/branches` every REFRESH_MS and redraws when the read model has moved.
 *
 * Client code below is plain browser JavaScript in a string: it is never run by Node.
 */
export const REFRESH_MS = 2000;

const STYLE = `
  :root { color-scheme: light; --ink: #1a1a1a; --muted: #4a4a4a; --line: #c8c8c8; --accent: #0b5394; --focus: #b45309; --bad: #a61b1b; --bg: #fff; --panel: #f4f6f8; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 16px/1.6 Vazirmatn, Tahoma, "Segoe UI", "Noto Sans Arabic", Arial, sans-serif; color: var(--ink); background: var(--bg); }
  header { display: flex; justify-content: space-between; align-items: center; gap: 1rem; padding: .75rem 1.25rem; background: var(--accent); color: #fff; }
  header h1 { margin: 0; font-size: 1.25rem; }
  main { padding: 1rem 1.25rem; max-width: 80rem; margin: 0 auto; }
  h2 { font-size: 1.1rem; margin: 1.25rem 0 .5rem; }
  button { font: inherit; padding: .4rem .9rem; border: 2px solid var(--accent); border-radius: .3rem; background: var(--accent); color: #fff; cursor: pointer; }
  button.secondary { background: #fff; color: var(--accent); }
  header button { background: #fff; color: var(--accent); border-color: #fff; }
  input { font: inherit; padding: .35rem .5rem; border: 1px solid #6b6b6b; border-radius: .25rem; min-width: 8rem; }
  :focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
  /* On the blue header the orange ring was 1.6:1; this yellow is over 6:1 on it. */
  header :focus-visible { outline-color: #ffd166; }
  .sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
  .skip { position: absolute; inset-inline-start: -999px; }
  .skip:focus { inset-inline-start: 1rem; top: 1rem; background: #fff; color: var(--accent); padding: .5rem; z-index: 1; }
  form.row { display: flex; flex-wrap: wrap; gap: .75rem; align-items: end; }
  form.row div { display: flex; flex-direction: column; }
  label { font-weight: 600; }
  .help { color: var(--muted); font-size: .9rem; margin: .25rem 0; }
  .error { color: var(--bad); font-weight: 600; min-height: 1.5em; }
  #status { color: var(--muted); }
  /* Figures from an earlier answer while the service does not answer: framed in the error's colour, text left as readable as ever. */
  #board[data-stale] dl.cards div, #board[data-stale] figure, #board[data-stale] .table-wrap { border: 2px dashed var(--bad); }
  dl.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(9.5rem, 1fr)); gap: .75rem; margin: 0; }
  dl.cards div { background: var(--panel); border: 1px solid var(--line); border-radius: .4rem; padding: .6rem .8rem; }
  dl.cards dt { color: var(--muted); font-size: .9rem; }
  dl.cards dd { margin: 0; font-size: 1.5rem; font-weight: 700; }
  figure { margin: 0; background: var(--panel); border: 1px solid var(--line); border-radius: .4rem; padding: .5rem; }
  figcaption { color: var(--muted); font-size: .9rem; }
  svg { width: 100%; height: auto; display: block; }
  .table-wrap { overflow-x: auto; border: 1px solid var(--line); border-radius: .4rem; }
  table { border-collapse: collapse; width: 100%; font-size: .95rem; }
  caption { text-align: start; padding: .4rem .6rem; color: var(--muted); }
  th, td { padding: .4rem .6rem; border-bottom: 1px solid var(--line); text-align: start; white-space: nowrap; }
  thead th { background: var(--panel); }
  /* The row's province or branch stays in view while the counts scroll sideways. */
  #provinces th:first-child, #branches th:first-child { position: sticky; inset-inline-start: 0; z-index: 1; background: var(--panel); }
  td.num { font-variant-numeric: tabular-nums; }
  [hidden] { display: none !important; }
`;

const SCRIPT = `
(function () {
  'use strict';
  var REFRESH_MS = ${REFRESH_MS};
  var TEXT = {
    fa: {
      title: 'داشبورد شعب بیمه اختیاری', other: 'English', skip: 'پرش به محتوا', login: 'ورود',
      tokenLabel: 'توکن دسترسی (نقش ops یا کارمند شعبه)', tokenHelp: 'توکن آزمایشی: npm run -s token -- --role ops',
      show: 'نمایش داشبورد', signOut: 'خروج', filters: 'فیلترها', province: 'کد استان', branch: 'کد شعبه',
      period: 'ماه انعقاد (مثلاً \u20661405-09\u2069)', apply: 'اعمال', totals: 'خلاصه', chart: 'قراردادهای منعقدشده در هر روز',
      provinces: 'استان‌ها', provincesCaption: 'تعداد قراردادها به تفکیک استان (جمع شعب آن)',
      branches: 'شعب', branchesCaption: 'تعداد قراردادها به تفکیک شعبه (بدون اطلاعات شخصی)',
      serviceDay: 'روز سرویس', checked: 'آخرین بررسی', position: 'موقعیت رویداد', loading: 'در حال بارگیری…',
      badToken: 'توکن پذیرفته نشد؛ توکن معتبر ops یا کارمند شعبه وارد کنید.', viewerOps: 'واردشده: کاربر عملیات (همه شعب)', viewerOfficer: 'واردشده: کارمند شعبه {branch}', failed: 'خطا در دریافت داده‌ها؛ دوباره تلاش می‌شود.', staleSince: 'ارقام نمایش‌داده‌شده مربوط به {time} است.',
      forbidden: 'این فیلتر برای توکن شما مجاز نیست (کارمند شعبه فقط شعبه خود را می‌بیند).', badFilter: 'فیلتر نادرست است: ', keptFilters: 'داشبورد همچنان با فیلترهای پیشین به‌روز می‌شود.', updated: 'داشبورد به‌روز شد.',
      noBranches: 'قراردادی با این فیلترها نیست.',
      chartSummary: 'مجموع {total} قرارداد در {days} روز؛ بیشترین {max} در {day}.', noData: 'قراردادی نیست',
      fields: {
        contracts: 'کل قراردادها', openedToday: 'منعقدشده امروز', openedThisMonth: 'منعقدشده در این ماه', online: 'غیرحضوری', branchChannel: 'حضوری',
        awaiting_payment: 'در انتظار پرداخت', active: 'فعال', payments_blocked: 'پرداخت متوقف', lapsed: 'باطل‌شده (عدم پرداخت نخستین حق بیمه)',
        cancelled: 'لغوشده', terminated: 'خاتمه‌یافته', examsPending: 'معاینات تعیین‌تکلیف‌نشده', examsOverdue: 'مهلت معاینات گذشته',
        firstPaymentsDueSoon: 'سررسید پرداخت اول تا ۵ روز', lapses: 'ابطال‌ها', smsFailures: 'پیامک‌های ناموفق (از آغاز)',
        branchId: 'شعبه', provinceCode: 'استان'
      }
    },
    en: {
      title: 'Voluntary insurance: branch dashboard', other: 'فارسی', skip: 'Skip to content', login: 'Sign in',
      tokenLabel: 'Access token (ops or branch officer role)', tokenHelp: 'A dev token: npm run -s token -- --role ops',
      show: 'Show dashboard', signOut: 'Sign out', filters: 'Filters', province: 'Province code', branch: 'Branch code',
      period: 'Month concluded (e.g. 1405-09)', apply: 'Apply', totals: 'Summary', chart: 'Contracts opened per day',
      provinces: 'Provinces', provincesCaption: 'Contract counts per province (the sum of its branches)',
      branches: 'Branches', branchesCaption: 'Contract counts per branch (no personal data)',
      serviceDay: 'Service day', checked: 'last checked', position: 'event position', loading: 'Loading…',
      badToken: 'Token refused: enter a valid ops or branch-officer token.', viewerOps: 'Signed in: operations (every branch)', viewerOfficer: 'Signed in: branch officer, branch {branch}', failed: 'Could not load data; retrying.', staleSince: 'The figures shown are from {time}.',
      forbidden: 'This filter is not allowed for your token (a branch officer sees their own branch only).', badFilter: 'Invalid filter: ', keptFilters: 'The board keeps showing, and refreshing, the previous filters.', updated: 'Dashboard updated.',
      noBranches: 'No contracts match these filters.',
      chartSummary: '{total} contracts over {days} days; at most {max} on {day}.', noData: 'no contracts',
      fields: {
        contracts: 'Contracts', openedToday: 'Opened today', openedThisMonth: 'Opened this month', online: 'Online', branchChannel: 'At a branch',
        awaiting_payment: 'Awaiting payment', active: 'Active', payments_blocked: 'Payments blocked', lapsed: 'Lapsed',
        cancelled: 'Cancelled', terminated: 'Terminated', examsPending: 'Exams pending', examsOverdue: 'Exams overdue',
        firstPaymentsDueSoon: 'First payments due ≤ 5 days', lapses: 'Lapses', smsFailures: 'SMS failures (all time)',
        branchId: 'Branch', provinceCode: 'Province'
      }
    }
  };
  var CARDS = ['contracts', 'openedToday', 'openedThisMonth', 'online', 'branchChannel', 'active', 'awaiting_payment', 'payments_blocked', 'examsPending', 'examsOverdue', 'firstPaymentsDueSoon', 'lapses', 'cancelled', 'terminated', 'smsFailures'];
  var COLUMNS = ['contracts', 'openedToday', 'openedThisMonth', 'online', 'branchChannel', 'awaiting_payment', 'active', 'payments_blocked', 'lapsed', 'cancelled', 'terminated', 'examsPending', 'examsOverdue', 'firstPaymentsDueSoon', 'smsFailures'];
  var SVG = 'http://www.w3.org/2000/svg';

  var lang = sessionStorage.getItem('dashboard.lang') || 'fa';
  var token = sessionStorage.getItem('dashboard.token') || '';
  var filters = {};
  var latest = null;
  var shownKey = '';
  var timer = null;
  var generation = 0; // bumped by every load, sign-in and sign-out: an answer to an older one is dropped
  var inflight = null; // the AbortController of the fetch under way
  var checkedAt = null; // when the latest answer came
  var accepted = false; // this session's token has had an answer: a 403 after it is about the filters
  var acceptedFilters = {}; // the filters of the board shown: kept, and polled, when new ones are refused
  var filterNotice = ''; // why the last filters asked for were refused, until others are applied
  var FETCH_TIMEOUT_MS = 10000;

  function $(id) { return document.getElementById(id); }
  /** Written only when it changes: the alert is read out again on every write, every poll. */
  function setError(text) { if ($('error').textContent !== text) $('error').textContent = text; }
  function showFilters(f) { $('f-province').value = f.province || ''; $('f-branch').value = f.branch || ''; $('f-period').value = f.period || ''; }
  function t(key) { return TEXT[lang][key]; }
  function digits(text) { return lang === 'fa' ? String(text).replace(/[0-9]/g, function (d) { return String.fromCharCode(0x06f0 + Number(d)); }) : String(text); }
  // The table shows Persian digits, so a filter may be typed with them (or Arabic-Indic ones).
  function ascii(text) { return String(text).replace(/[\u06f0-\u06f9\u0660-\u0669]/g, function (d) { return String((d.charCodeAt(0) & 0xf) % 10); }); }
  function clock(date) { return date.toLocaleTimeString(lang === 'fa' ? 'fa-IR' : 'en-GB'); }
  function num(value) { return value === null || value === undefined ? '—' : new Intl.NumberFormat(lang === 'fa' ? 'fa-IR' : 'en-US').format(value); }
  function field(counts, key) {
    if (key === 'online') return counts.byChannel.online;
    if (key === 'branchChannel') return counts.byChannel.branch;
    if (key in counts.byStatus) return counts.byStatus[key];
    return counts[key];
  }
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    for (var name in attrs) node.setAttribute(name, attrs[name]);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function applyLanguage() {
    document.documentElement.lang = lang;
    document.documentElement.dir = lang === 'fa' ? 'rtl' : 'ltr';
    document.title = t('title');
    var labels = document.querySelectorAll('[data-i18n]');
    for (var i = 0; i < labels.length; i++) labels[i].textContent = t(labels[i].getAttribute('data-i18n'));
    $('lang').textContent = t('other');
    $('lang').setAttribute('lang', lang === 'fa' ? 'en' : 'fa');
    if (latest) render(latest, true);
  }

  /** Forgets the token and everything shown or asked for with it: the next one starts afresh. */
  function endSession() {
    clearTimeout(timer);
    generation++; // an answer still on its way belongs to the ended session
    if (inflight) inflight.abort();
    sessionStorage.removeItem('dashboard.token');
    $('board').removeAttribute('data-stale');
    token = '';
    latest = null;
    shownKey = '';
    accepted = false;
    filters = {};
    acceptedFilters = {};
    filterNotice = '';
    showFilters(filters);
  }

  function showLogin(message) {
    $('board').hidden = true;
    setError('');
    $('login').hidden = false;
    $('login-error').textContent = message || '';
    $('token').focus();
  }

  function load() {
    clearTimeout(timer);
    if (inflight) inflight.abort(); // a poll under way answers for filters or a session that are gone
    if (!token) return;
    var mine = ++generation;
    var query = [];
    for (var name in filters) if (filters[name]) query.push(name + '=' + encodeURIComponent(filters[name]));
    var aborter = new AbortController();
    inflight = aborter;
    var giveUp = setTimeout(function () { aborter.abort(); }, FETCH_TIMEOUT_MS);
    var again = function (ms) { if (mine === generation) timer = setTimeout(load, ms); };
    fetch('/v1/dashboard/branches' + (query.length ? '?' + query.join('&') : ''), { headers: { Authorization: 'Bearer ' + token, Accept: 'application/json' }, signal: aborter.signal })
      .then(function (res) {
        if (mine !== generation) return null;
        // 401, or 403 before this session's token had an answer (a token of another role): the token will not do.
        if (res.status === 401 || (res.status === 403 && !accepted)) { endSession(); showLogin(t('badToken')); return null; }
        // The token is fine, the filters are not: say why, and go on with the board's own filters.
        var refused = function (why) {
          filterNotice = why + ' ' + t('keptFilters');
          setError(filterNotice);
          filters = acceptedFilters;
          showFilters(filters);
          again(REFRESH_MS);
          return null;
        };
        if (res.status === 403) return refused(t('forbidden'));
        if (res.status === 400) {
          return res.json().then(function (problem) {
            var listed = (problem.errors || []).map(function (e) { return (lang === 'fa' && e.messageFa) || e.message; }).join('; ');
            return refused(t('badFilter') + (listed || (lang === 'fa' && problem.detailFa) || problem.detail || ''));
          });
        }
        if (!res.ok) {
          var after = Number(res.headers.get('Retry-After'));
          throw new Error(after > 0 ? String(after * 1000) : 'HTTP ' + res.status);
        }
        return res.json().then(function (body) {
          if (mine !== generation) return;
          setError(filterNotice);
          $('board').removeAttribute('data-stale');
          accepted = true;
          acceptedFilters = filters;
          checkedAt = new Date();
          render(body, false);
          again(REFRESH_MS);
        });
      })
      .catch(function (error) {
        if (mine !== generation) return;
        // The board keeps the last answer: say how old it is, and mark it, until a poll succeeds.
        var shown = !$('board').hidden && checkedAt;
        setError(t('failed') + (shown ? ' ' + t('staleSince').replace('{time}', clock(checkedAt)) : ''));
        if (shown) $('board').setAttribute('data-stale', '');
        var wait = Number(error && error.message);
        again(wait > REFRESH_MS ? wait : REFRESH_MS);
      })
      .then(function () { clearTimeout(giveUp); if (inflight === aborter) inflight = null; });
  }

  function render(body, force) {
    var key = body.checkpoint + '|' + body.today + '|' + JSON.stringify(body.filters) + '|' + body.totals.smsFailures;
    latest = body;
    // Said on every answer, changed or not: a quiet system is told apart from a stalled page.
    $('viewer').textContent = viewer();
    $('status').textContent = t('serviceDay') + ' ' + digits(body.todayJalali) + ' — ' + t('checked') + ' ' + clock(checkedAt) + ' — ' + t('position') + ' ' + digits(body.checkpoint);
    if (!force && key === shownKey) return;
    var first = $('board').hidden;
    // With the position: the same words twice are not read out again.
    if (!first && !force) $('announce').textContent = t('updated') + ' ' + t('position') + ' ' + digits(body.checkpoint);
    shownKey = key;
    $('login').hidden = true;
    $('board').hidden = false;
    $('board').setAttribute('data-checkpoint', body.checkpoint);
    renderTotals(body.totals);
    renderChart(body.openedPerDay);
    renderTable('provinces', body.provinces, ['provinceCode']);
    renderTable('branches', body.branches, ['branchId', 'provinceCode']);
    if (first) $('main').focus(); // after signing in, the keyboard starts at the board, not at the page's end
  }

  /**
   * Who the board is for, from the token's claims (read, not checked: the API has just accepted
   * the token, and this only says which scope its answers have).
   */
  function viewer() {
    try {
      var part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
      var bytes = atob(part);
      var claims = JSON.parse(new TextDecoder().decode(Uint8Array.from(bytes, function (c) { return c.charCodeAt(0); })));
      if (claims.role === 'branch_officer') return t('viewerOfficer').replace('{branch}', digits(claims.branchId));
      return claims.role === 'ops' ? t('viewerOps') : '';
    } catch (e) {
      return '';
    }
  }

  /** A column's or card's name; "this month" says which (the service's month, whatever the filter). */
  function label(name) {
    var text = TEXT[lang].fields[name];
    return name === 'openedThisMonth' && latest ? text + ' (' + digits(latest.month.replace('-', '/')) + ')' : text;
  }

  function renderTotals(totals) {
    var list = $('totals');
    list.textContent = '';
    CARDS.forEach(function (name) {
      var value = field(totals, name);
      var item = el('div');
      item.appendChild(el('dt', { id: 'label-' + name }, label(name)));
      item.appendChild(el('dd', { id: 'total-' + name, 'data-value': String(value) }, num(value)));
      list.appendChild(item);
    });
  }

  function renderChart(days) {
    var svg = $('chart');
    svg.textContent = '';
    // Drawn for the width it has (720 at most), so that on a phone its text is not scaled down to a
    // third; a narrow chart names every tenth day instead of every fifth.
    var width = Math.round(Math.min(720, Math.max(280, svg.getBoundingClientRect().width || 720)));
    var height = 220, left = 36, right = 8, top = 12, bottom = 36;
    var labelEvery = width < 540 ? 10 : 5;
    svg.setAttribute('viewBox', '0 0 ' + width + ' ' + height);
    // An even top, so the middle line is a whole number and bars meet the lines they reach.
    var max = 2 * Math.max(1, Math.ceil(Math.max.apply(null, days.map(function (d) { return d.count; })) / 2));
    var slot = (width - left - right) / days.length;
    var total = 0, peak = days[0];
    var rtl = lang === 'fa';
    var title = document.createElementNS(SVG, 'title');
    title.id = 'chart-title';
    title.textContent = t('chart');
    svg.appendChild(title);
    for (var g = 0; g <= 2; g++) {
      var gy = top + (height - top - bottom) * (1 - g / 2);
      var grid = document.createElementNS(SVG, 'line');
      grid.setAttribute('x1', rtl ? right : left); grid.setAttribute('x2', rtl ? width - left : width - right); grid.setAttribute('y1', gy); grid.setAttribute('y2', gy);
      grid.setAttribute('stroke', '#c8c8c8');
      svg.appendChild(grid);
      var tick = document.createElementNS(SVG, 'text');
      tick.setAttribute('x', rtl ? width - 2 : 2); tick.setAttribute('y', gy + 4); tick.setAttribute('font-size', '13'); tick.setAttribute('fill', '#4a4a4a');
      // Numbers laid out left to right in both languages: in the page's right-to-left text, 'end' would run off the edge.
      tick.setAttribute('direction', 'ltr');
      tick.setAttribute('class', 'tick');
      tick.setAttribute('text-anchor', rtl ? 'end' : 'start');
      tick.textContent = num(max * g / 2);
      svg.appendChild(tick);
    }
    days.forEach(function (day, i) {
      total += day.count;
      if (day.count > peak.count) peak = day;
      var index = rtl ? days.length - 1 - i : i;
      var x = (rtl ? right : left) + index * slot;
      var h = (height - top - bottom) * day.count / max;
      var bar = document.createElementNS(SVG, 'rect');
      bar.setAttribute('x', x + slot * 0.15); bar.setAttribute('width', slot * 0.7);
      bar.setAttribute('y', height - bottom - h); bar.setAttribute('height', Math.max(h, day.count > 0 ? 1 : 0));
      bar.setAttribute('fill', '#0b5394');
      bar.setAttribute('data-date', day.date); bar.setAttribute('data-count', String(day.count));
      var tip = document.createElementNS(SVG, 'title');
      tip.textContent = digits(day.dateJalali) + ': ' + num(day.count);
      bar.appendChild(tip);
      svg.appendChild(bar);
      if (i % labelEvery === 0 || i === days.length - 1) {
        var label = document.createElementNS(SVG, 'text');
        // Centred under its day, but the newest day's, at the chart's edge, ends with its bar
        // rather than run past the edge (on a phone half of it did). Laid out left to right, as the ticks.
        var edge = i === days.length - 1;
        label.setAttribute('x', edge ? (rtl ? x + slot * 0.15 : x + slot * 0.85) : x + slot / 2); label.setAttribute('y', height - bottom + 16);
        label.setAttribute('direction', 'ltr');
        label.setAttribute('font-size', '13'); label.setAttribute('text-anchor', edge ? (rtl ? 'start' : 'end') : 'middle'); label.setAttribute('fill', '#4a4a4a');
        label.textContent = digits(day.dateJalali.slice(5));
        svg.appendChild(label);
      }
    });
    var summary = total === 0 ? t('noData') : t('chartSummary').replace('{total}', num(total)).replace('{days}', num(days.length)).replace('{max}', num(peak.count)).replace('{day}', digits(peak.dateJalali));
    $('chart-desc').textContent = summary;
  }

  /**
   * A table of counts, a row per item: its place (the first column heads the row, and names it in
   * data-branch or data-province), then COLUMNS.
   */
  function renderTable(id, items, places) {
    var head = $(id + '-head');
    head.textContent = '';
    var row = el('tr');
    places.forEach(function (name) { row.appendChild(el('th', { scope: 'col' }, TEXT[lang].fields[name])); });
    COLUMNS.forEach(function (name) { row.appendChild(el('th', { scope: 'col' }, label(name))); });
    head.appendChild(row);
    var body = $(id + '-body');
    body.textContent = '';
    if (items.length === 0) {
      var none = el('tr');
      none.appendChild(el('td', { colspan: String(COLUMNS.length + places.length) }, t('noBranches')));
      body.appendChild(none);
    }
    items.forEach(function (item) {
      var tr = el('tr');
      tr.setAttribute(places[0] === 'branchId' ? 'data-branch' : 'data-province', item[places[0]]);
      places.forEach(function (name, i) { tr.appendChild(el(i === 0 ? 'th' : 'td', i === 0 ? { scope: 'row' } : {}, digits(item[name]))); });
      COLUMNS.forEach(function (name) {
        var value = field(item, name);
        tr.appendChild(el('td', { class: 'num', 'data-field': name, 'data-value': String(value) }, num(value)));
      });
      body.appendChild(tr);
    });
  }

  $('login-form').addEventListener('submit', function (event) {
    event.preventDefault();
    token = $('token').value.trim();
    if (!token) return;
    sessionStorage.setItem('dashboard.token', token);
    $('token').value = '';
    $('login-error').textContent = '';
    setError('');
    $('status').textContent = t('loading');
    load();
  });
  $('filters').addEventListener('submit', function (event) {
    event.preventDefault();
    filters = { province: ascii($('f-province').value.trim()), branch: ascii($('f-branch').value.trim()), period: ascii($('f-period').value.trim()) };
    filterNotice = '';
    setError('');
    shownKey = '';
    load();
  });
  $('sign-out').addEventListener('click', function () {
    endSession();
    showLogin('');
  });
  var resized = null;
  window.addEventListener('resize', function () {
    clearTimeout(resized);
    resized = setTimeout(function () { if (latest && !$('board').hidden) renderChart(latest.openedPerDay); }, 150);
  });
  $('lang').addEventListener('click', function () {
    lang = lang === 'fa' ? 'en' : 'fa';
    sessionStorage.setItem('dashboard.lang', lang);
    applyLanguage();
  });

  applyLanguage();
  if (token) load(); else showLogin('');
})();
`;

/** A table of counts that `renderTable` fills, in a region reachable by Tab (it scrolls sideways). */
function countsTable(id: 'provinces' | 'branches', heading: string): string {
  return `    <section aria-labelledby="${id}-heading">
      <h2 id="${id}-heading" data-i18n="${id}">${heading}</h2>
      <div class="table-wrap" role="region" aria-labelledby="${id}-heading" tabindex="0">
        <table id="${id}">
          <caption data-i18n="${id}Caption"></caption>
          <thead id="${id}-head"></thead>
          <tbody id="${id}-body"></tbody>
        </table>
      </div>
    </section>`;
}

export function renderDashboardPage(nonce: string, { tokenHint }: { tokenHint: boolean }): string {
  return `<!doctype html>
<html lang="fa" dir="rtl">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>داشبورد شعب بیمه اختیاری</title>
<style nonce="${nonce}">${STYLE}</style>
</head>
<body>
<a class="skip" href="#main" data-i18n="skip">پرش به محتوا</a>
<header>
  <h1 data-i18n="title">داشبورد شعب بیمه اختیاری</h1>
  <button id="lang" type="button" lang="en">English</button>
</header>
<main id="main" tabindex="-1">
  <p id="error" class="error" role="alert"></p>
  <section id="login" aria-labelledby="login-heading">
    <h2 id="login-heading" data-i18n="login">ورود</h2>
    <form id="login-form" class="row">
      <div>
        <label for="token" data-i18n="tokenLabel">توکن دسترسی</label>
        <input id="token" name="token" type="password" autocomplete="off" spellcheck="false" required aria-describedby="${tokenHint ? 'token-help ' : ''}login-error">
        ${tokenHint ? '<p id="token-help" class="help" data-i18n="tokenHelp"></p>' : ''}
      </div>
      <button type="submit" data-i18n="show">نمایش داشبورد</button>
    </form>
    <p id="login-error" class="error" role="alert"></p>
  </section>
  <section id="board" hidden>
    <h2 id="filters-heading" data-i18n="filters">فیلترها</h2>
    <form id="filters" class="row" aria-labelledby="filters-heading">
      <div><label for="f-province" data-i18n="province">کد استان</label><input id="f-province" inputmode="numeric" autocomplete="off"></div>
      <div><label for="f-branch" data-i18n="branch">کد شعبه</label><input id="f-branch" inputmode="numeric" autocomplete="off"></div>
      <div><label for="f-period" data-i18n="period">ماه</label><input id="f-period" placeholder="1405-09" pattern="[0-9۰-۹٠-٩]{4}-[0-9۰-۹٠-٩]{2}" autocomplete="off"></div>
      <button type="submit" data-i18n="apply">اعمال</button>
      <button id="sign-out" type="button" class="secondary" data-i18n="signOut">خروج</button>
    </form>
    <p id="viewer"></p>
    <p id="status"></p>
    <p id="announce" class="sr-only" aria-live="polite"></p>
    <section aria-labelledby="totals-heading">
      <h2 id="totals-heading" data-i18n="totals">خلاصه</h2>
      <dl id="totals" class="cards"></dl>
    </section>
    <section aria-labelledby="chart-heading">
      <h2 id="chart-heading" data-i18n="chart">قراردادهای منعقدشده در هر روز</h2>
      <figure>
        <svg id="chart" viewBox="0 0 720 220" role="img" aria-labelledby="chart-heading chart-desc"></svg>
        <figcaption id="chart-desc"></figcaption>
      </figure>
    </section>
${countsTable('provinces', 'استان‌ها')}
${countsTable('branches', 'شعب')}
  </section>
</main>
<script nonce="${nonce}">${SCRIPT}</script>
</body>
</html>
`;
}
