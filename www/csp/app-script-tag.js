// The page's own code under a strict CSP (script tag way).
window.cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`);
});
kizuna('init', { endpoint: '/collect', writeKey: 'csp', consent: { mode: 'opt-out' } });
kizuna('track', 'CSP Script Tag', { way: 'script-tag' });
kizuna('ready', () => {
  document.getElementById('status').textContent = 'ready';
  window.kizunaReady = true;
});
