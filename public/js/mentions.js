/*
 * Mention autocomplete for post textareas. Without it, typing "@Ana Lima" already mentions Ana
 * (the server resolves names); this only helps find people and inserts the stable form
 * "@[Ana Lima](id)", which keeps pointing at Ana whatever is edited around it.
 * Accessible pattern: the textarea keeps focus and points at the active option of a listbox
 * (aria-activedescendant); arrows move, Enter or Tab inserts, Escape closes; a polite status
 * line says how many people were found.
 */
(function () {
  var nav = document.querySelector('[data-people-url]');
  if (!nav || !window.fetch) return;
  var peopleUrl = nav.getAttribute('data-people-url');
  var counter = 0;

  function say(key, count) {
    var text = nav.getAttribute(key) || '';
    return text.replace('{{count}}', String(count));
  }

  function setup(area) {
    if (area.getAttribute('data-mentions')) return;
    area.setAttribute('data-mentions', 'on');
    var n = ++counter;
    var list = document.createElement('ul');
    list.id = 'mention-list-' + n;
    list.className = 'mention-list';
    list.setAttribute('role', 'listbox');
    list.setAttribute('aria-label', nav.getAttribute('data-list-label') || '');
    list.hidden = true;
    var status = document.createElement('p');
    status.className = 'visually-hidden';
    status.setAttribute('role', 'status');
    var hint = document.createElement('p');
    hint.id = 'mention-hint-' + n;
    hint.className = 'hint';
    hint.textContent = nav.getAttribute('data-hint') || '';
    area.insertAdjacentElement('afterend', hint);
    hint.insertAdjacentElement('afterend', list);
    list.insertAdjacentElement('afterend', status);
    area.setAttribute('aria-describedby', ((area.getAttribute('aria-describedby') || '') + ' ' + hint.id).trim());
    area.setAttribute('aria-autocomplete', 'list');
    area.setAttribute('aria-controls', list.id);

    var people = [];
    var active = -1;
    var seq = 0;
    var timer = null;

    // "@" at the start or after a space or opening bracket/quote, then up to 40 characters of a
    // name (names have spaces) right before the caret.
    function current() {
      if (area.selectionStart !== area.selectionEnd) return null;
      var before = area.value.slice(0, area.selectionStart);
      var m = /(^|[\s(\[{"'])@([^\s@\[\]()][^@\[\]()\n]{0,40})$/.exec(before);
      return m ? { start: before.length - m[2].length - 1, q: m[2] } : null;
    }

    function close() {
      list.hidden = true;
      list.innerHTML = '';
      people = [];
      active = -1;
      area.removeAttribute('aria-activedescendant');
    }

    function highlight(i) {
      active = i;
      var options = list.querySelectorAll('[role="option"]');
      for (var k = 0; k < options.length; k++) options[k].setAttribute('aria-selected', k === i ? 'true' : 'false');
      if (i >= 0 && options[i]) area.setAttribute('aria-activedescendant', options[i].id);
      else area.removeAttribute('aria-activedescendant');
    }

    function show(found) {
      people = found;
      list.innerHTML = '';
      active = -1;
      area.removeAttribute('aria-activedescendant');
      if (found.length === 0) {
        list.hidden = true;
        status.textContent = say('data-found-none', 0);
        return;
      }
      found.forEach(function (p, i) {
        var li = document.createElement('li');
        li.id = list.id + '-' + i;
        li.setAttribute('role', 'option');
        li.setAttribute('aria-selected', 'false');
        li.textContent = p.name;
        // mousedown, not click: the textarea keeps focus and its caret.
        li.addEventListener('mousedown', function (ev) {
          ev.preventDefault();
          insert(i);
        });
        list.appendChild(li);
      });
      list.hidden = false;
      status.textContent = say(found.length === 1 ? 'data-found-one' : 'data-found-other', found.length);
    }

    function insert(i) {
      var p = people[i];
      var at = current();
      if (!p || !at) return close();
      var token = '@[' + p.name.replace(/[\[\]]/g, '') + '](' + p.id + ') ';
      var end = area.selectionStart;
      area.value = area.value.slice(0, at.start) + token + area.value.slice(end);
      var caret = at.start + token.length;
      area.setSelectionRange(caret, caret);
      close();
      status.textContent = '';
    }

    function lookup() {
      var at = current();
      if (!at) return close();
      var mine = ++seq;
      fetch(peopleUrl + (peopleUrl.indexOf('?') >= 0 ? '&' : '?') + 'q=' + encodeURIComponent(at.q), { headers: { accept: 'application/json' } })
        .then(function (r) { return r.ok ? r.json() : { people: [] }; })
        .then(function (body) {
          // Only the answer to the latest keystroke counts.
          if (mine === seq && current()) show(body.people || []);
        })
        .catch(close);
    }

    area.addEventListener('input', function () {
      clearTimeout(timer);
      timer = setTimeout(lookup, 150);
    });
    area.addEventListener('keydown', function (ev) {
      if (list.hidden || people.length === 0) return;
      if (ev.key === 'ArrowDown') {
        ev.preventDefault();
        highlight((active + 1) % people.length);
      } else if (ev.key === 'ArrowUp') {
        ev.preventDefault();
        highlight(active <= 0 ? people.length - 1 : active - 1);
      } else if ((ev.key === 'Enter' || ev.key === 'Tab') && active >= 0) {
        ev.preventDefault();
        insert(active);
      } else if (ev.key === 'Escape') {
        ev.preventDefault();
        close();
      }
    });
    area.addEventListener('blur', function () {
      setTimeout(close, 200);
    });
  }

  var areas = document.querySelectorAll('textarea[name="body"]');
  for (var i = 0; i < areas.length; i++) setup(areas[i]);
  // Forms that arrive later (live-forms.js swaps in the page a post leads to) get it on first focus.
  document.addEventListener('focusin', function (ev) {
    var t = ev.target;
    if (t instanceof HTMLTextAreaElement && t.name === 'body') setup(t);
  });
})();
