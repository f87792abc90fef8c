import type { BrowserContext } from 'playwright-core';
import { bearer, openOnline, People } from '../e2e/support/scenario';
import { startTestApp, type TestApp } from '../e2e/support/test-app';
import { launchChromium } from './support/chromium';

/** The printable contract under its Content-Security-Policy, in headless Chromium: the print button still prints. */
describe('browser: the contract document', () => {
  let t: TestApp;
  let chromium: { context: BrowserContext; close(): Promise<void> };

  beforeAll(async () => {
    chromium = await launchChromium();
    t = await startTestApp();
  });
  afterAll(async () => {
    await chromium?.close();
    await t?.close();
  });

  it('prints from its button, with no policy violation', async () => {
    const { token, contract } = await openOnline(t, new People().next().nationalCode);
    const page = await chromium.context.newPage();
    try {
      await page.setExtraHTTPHeaders(bearer(token));
      // window.print() would open a dialog; count the calls instead, and every blocked script or style.
      // (Strings: the specs compile without the DOM's types.)
      await page.addInitScript({
        content: `window.printed = 0; window.violations = [];
          window.print = () => { window.printed++; };
          document.addEventListener('securitypolicyviolation', (event) => window.violations.push(event.violatedDirective + ' ' + event.sample));`,
      });
      const address = t.app.getHttpServer().address() as { port: number };
      const response = await page.goto(`http://127.0.0.1:${address.port}/v1/contracts/${contract.id}/document`);
      expect(response?.status()).toBe(200);
      expect(response?.headers()['content-security-policy']).toContain("default-src 'none'");
      await page.getByRole('button', { name: 'چاپ' }).click();
      const state = await page.evaluate('({ printed: window.printed, violations: window.violations })');
      expect(state).toEqual({ printed: 1, violations: [] });
      // The print CSS applied: the inline style is allowed.
      expect(await page.evaluate("getComputedStyle(document.querySelector('th')).fontWeight")).toBe('600');
      // Printed, it is one A4 sheet, payment deadline and footer included.
      const pdf = (await page.pdf({ format: 'A4', preferCSSPageSize: true })).toString('latin1');
      expect(pdf.match(/\/Type\s*\/Page\b/g)).toHaveLength(1);
    } finally {
      await page.close();
    }
  });

  it('prints on one A4 sheet also with the exam undertaking and the inpatient caveat', async () => {
    const { token, contract } = await openOnline(t, new People().next('required').nationalCode);
    const page = await chromium.context.newPage();
    try {
      await page.setExtraHTTPHeaders(bearer(token));
      const address = t.app.getHttpServer().address() as { port: number };
      await page.goto(`http://127.0.0.1:${address.port}/v1/contracts/${contract.id}/document`);
      expect(await page.getByText('پوشش بستری').count()).toBe(1);
      const pdf = (await page.pdf({ format: 'A4', preferCSSPageSize: true })).toString('latin1');
      expect(pdf.match(/\/Type\s*\/Page\b/g)).toHaveLength(1);
    } finally {
      await page.close();
    }
  });
});
