/* Discussion pages: small conveniences on top of forms that work without any script. */
(function () {
  // Ask before deleting a post (the form posts straight away without a script).
  document.addEventListener('submit', function (ev) {
    var form = ev.target;
    if (!(form instanceof HTMLFormElement)) return;
    var question = form.getAttribute('data-confirm');
    if (question && !window.confirm(question)) {
      ev.preventDefault();
      return;
    }
    // One click, one post: a second click while the first is on its way would post twice.
    if (form.getAttribute('data-submitted') === '1') {
      ev.preventDefault();
      return;
    }
    form.setAttribute('data-submitted', '1');
    var buttons = form.querySelectorAll('button[type="submit"]');
    for (var i = 0; i < buttons.length; i++) buttons[i].setAttribute('aria-disabled', 'true');
  });

  // Coming back through the history cache: the forms are fresh again.
  window.addEventListener('pageshow', function (ev) {
    if (!ev.persisted) return;
    var sent = document.querySelectorAll('form[data-submitted]');
    for (var i = 0; i < sent.length; i++) sent[i].removeAttribute('data-submitted');
  });

  // Opening a reply box puts the cursor in it.
  document.addEventListener('toggle', function (ev) {
    var box = ev.target;
    if (!(box instanceof HTMLDetailsElement) || !box.open || !box.classList.contains('reply-box')) return;
    var area = box.querySelector('textarea');
    if (area) area.focus();
  }, true);

  // Back from an error page: put the cursor on the first field that needs fixing.
  var invalid = document.querySelector('[aria-invalid="true"]');
  if (invalid) invalid.focus();
})();
