// The snippet to paste in a page's <head>, before the loader's <script async>.
// It defines window.kizuna (rename the last argument to use another global,
// and say so with data-global on the loader tag) as a stub that queues every
// call with the time, URL, referrer and title of the moment it was made, so
// events queued before the SDK arrives carry their own context.
(function (w, d, n) {
  var k = w[n] = w[n] || function () {
    (k.q = k.q || []).push([Date.now(), d.URL, d.referrer, d.title, [].slice.call(arguments)]);
  };
})(window, document, 'kizuna');
