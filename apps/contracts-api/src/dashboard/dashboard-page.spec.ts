import { renderDashboardPage } from './dashboard-page';

describe('the dashboard page', () => {
  it('tells how to mint a development token only where such tokens are accepted, not in production', () => {
    const dev = renderDashboardPage('n', { tokenHint: true });
    expect(dev).toContain('id="token-help"');
    expect(dev).toContain('aria-describedby="token-help login-error"');
    const production = renderDashboardPage('n', { tokenHint: false });
    expect(production).not.toContain('id="token-help"');
    expect(production).toContain('aria-describedby="login-error"'); // no reference to a missing element
  });
});
