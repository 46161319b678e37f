/*
 * Post, reply, react and moderate without a full reload. The forms work without this script;
 * with it, a form is posted in the background, the page it leads to is fetched and its <main>
 * replaces ours, the address bar follows, and focus goes to what changed (the new post, or the
 * first field to fix). Anything unexpected falls back to the plain form post.
 */
(function () {
  if (!window.fetch || !window.DOMParser || !window.history || !window.FormData) return;
  var script = document.currentScript;
  var doneText = (script && script.getAttribute('data-done')) || 'Done.';
  var status = document.createElement('p');
  status.className = 'visually-hidden';
  status.setAttribute('role', 'status');
  document.body.appendChild(status);

  function announce(text) {
    status.textContent = '';
    setTimeout(function () { status.textContent = text; }, 50);
  }

  function swap(html, url, push) {
    var doc = new DOMParser().parseFromString(html, 'text/html');
    var next = doc.querySelector('main');
    var main = document.querySelector('main');
    if (!next || !main) return false;
    main.innerHTML = next.innerHTML;
    document.title = doc.title;
    if (url && push) history.pushState({ live: true }, '', url);
    var hash = url && url.indexOf('#') >= 0 ? url.slice(url.indexOf('#') + 1) : '';
    var target = (hash && document.getElementById(hash)) || main.querySelector('[aria-invalid="true"]') || main.querySelector('.error-summary') || main.querySelector('h1');
    if (target) {
      if (!target.hasAttribute('tabindex') && !/^(INPUT|TEXTAREA|SELECT|BUTTON|A)$/.test(target.tagName)) target.setAttribute('tabindex', '-1');
      target.focus();
      if (target.scrollIntoView) target.scrollIntoView({ block: 'center' });
    }
    return true;
  }

  document.addEventListener('submit', function (ev) {
    var form = ev.target;
    // discussion.js may have cancelled it (a declined confirm, a second click).
    if (ev.defaultPrevented || !(form instanceof HTMLFormElement)) return;
    if ((form.getAttribute('method') || '').toLowerCase() !== 'post') return;
    var action = new URL(form.action, location.href);
    // LTI answers (deep linking, login) talk to the LMS: leave them to the browser.
    if (action.origin !== location.origin || action.pathname.indexOf('/lti/') === 0) return;
    ev.preventDefault();
    var body = new URLSearchParams();
    new FormData(form).forEach(function (v, k) { if (typeof v === 'string') body.append(k, v); });
    if (ev.submitter && ev.submitter.name) body.append(ev.submitter.name, ev.submitter.value);
    var plain = function () { form.removeAttribute('data-live'); HTMLFormElement.prototype.submit.call(form); };
    document.documentElement.setAttribute('aria-busy', 'true');
    fetch(action.href, { method: 'POST', body: body, headers: { 'X-Threadline-Live': '1' }, credentials: 'same-origin', redirect: 'follow' })
      .then(function (res) {
        var type = res.headers.get('content-type') || '';
        if (res.ok && type.indexOf('application/json') >= 0) {
          return res.json().then(function (j) {
            return fetch(j.location, { credentials: 'same-origin' }).then(function (page) {
              return page.text().then(function (html) {
                if (!swap(html, j.location, true)) return plain();
                announce(form.getAttribute('data-done') || doneText);
              });
            });
          });
        }
        if (type.indexOf('text/html') >= 0 && res.status >= 400) {
          // The error page keeps what was typed: show it in place, at the same address.
          return res.text().then(function (html) { if (!swap(html, null, false)) plain(); });
        }
        plain();
      })
      .catch(plain)
      .then(function () { document.documentElement.removeAttribute('aria-busy'); });
  });

  // Back and forward over pages this script showed: load them for real.
  window.addEventListener('popstate', function () { location.reload(); });
})();
