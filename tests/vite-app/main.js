// A bundler app using the npm package the way apps do.
import { init } from 'kizuna';

// autotrack off: the test counts exactly what flush() sends.
const kz = await init({ endpoint: '/collect', writeKey: 'vite', consent: { mode: 'opt-out' }, autotrack: false });
kz.track('Vite App Event', { bundler: 'vite' });
const summary = await kz.flush();
document.getElementById('status').textContent = `sent ${summary.sent}`;
window.viteResult = summary;
