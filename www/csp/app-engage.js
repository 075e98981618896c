// The engage build under a strict CSP (no 'unsafe-inline' for styles): a
// journey message shows at once, styled by Kizuna's constructed stylesheet.
import { init } from '/kizuna/index.js';

window.cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`);
});
try {
  const kz = await init({
    endpoint: '/collect', writeKey: 'csp', consent: { mode: 'opt-out' },
    journeys: { hello: { on: 'nth-session', sessions: 1, message: 'Hello under a strict CSP' } },
  });
  window.kz = kz;
  document.getElementById('status').textContent = 'ready';
} catch (e) {
  document.getElementById('status').textContent = 'failed: ' + e.message;
}
window.kizunaReady = true;
