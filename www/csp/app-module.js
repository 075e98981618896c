// The page's own code under a strict CSP (npm package way).
import { init } from '/kizuna/index.js';

window.cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`);
});
try {
  const kz = await init({ endpoint: '/collect', writeKey: 'csp', consent: { mode: 'opt-out' } });
  kz.track('CSP Module', { way: 'module' });
  window.kz = kz;
  document.getElementById('status').textContent = 'ready';
} catch (e) {
  document.getElementById('status').textContent = 'failed: ' + e.message;
  window.initError = e.message;
}
window.kizunaReady = true;
