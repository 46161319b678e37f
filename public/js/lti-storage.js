/* LTI Client Side postMessages + Platform Storage (1EdTech, 2023): lti.put_data / lti.get_data.
 * Used only when the platform offered lti_storage_target; the cookie path needs no script. */
(function () {
  var cfg = JSON.parse(document.getElementById('lti-storage').textContent);
  function targetFrame() {
    var parent = window.opener || window.parent;
    if (cfg.target === '_parent') return parent;
    try { return parent.frames[cfg.target] || parent; } catch (e) { return parent; }
  }
  function send(subject, extra, onReply, onTimeout) {
    var id = subject + '-' + Math.random().toString(36).slice(2);
    var done = false;
    function listener(ev) {
      if (ev.origin !== cfg.origin) return; // only the platform may answer
      var d = ev.data || {};
      if (d.message_id !== id || d.subject !== subject + '.response') return;
      done = true;
      window.removeEventListener('message', listener);
      onReply(d);
    }
    window.addEventListener('message', listener);
    var msg = { subject: subject, message_id: id };
    for (var k in extra) msg[k] = extra[k];
    try { targetFrame().postMessage(msg, cfg.origin); } catch (e) { /* fall through to timeout */ }
    setTimeout(function () { if (!done) { window.removeEventListener('message', listener); onTimeout(); } }, 3000);
  }
  window.ThreadlineStorage = {
    put: function () {
      var go = function () { window.location.href = cfg.next; };
      send('lti.put_data', { key: cfg.key, value: cfg.value }, go, go);
    },
    get: function () {
      var fail = function () { document.getElementById('fallback').hidden = false; };
      send('lti.get_data', { key: cfg.key }, function (d) {
        if (d.error || typeof d.value !== 'string') return fail();
        document.getElementById('storage_binding').value = d.value;
        document.getElementById('launch').submit();
      }, fail);
    }
  };
})();
