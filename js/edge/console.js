// The only console output of Kizuna: one line each, prefixed [kizuna].
// Never throws (a console that throws is not ours to report).

export const PREFIX = '[kizuna] ';

function say(level, message) {
  try {
    console[level](PREFIX + message);
  } catch (_) { /* see above */ }
}

export const warn = (m) => say('warn', m);
export const complain = (m) => say('error', m);
export const debug = (m) => say('debug', m);
export const info = (m) => say('info', m);

/** Reports something that went wrong inside Kizuna (never the site's fault). */
export function report(what, error) {
  complain(what + ' failed inside Kizuna and was ignored: ' + (error && error.message ? error.message : String(error)));
}
