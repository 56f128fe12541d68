// The web form's suggested help articles (DESIGN.md §11, "FAQ first, then a person"): as a
// customer types a subject or a question, the articles its words point to are listed above
// the send button, each opening in a new tab so what was typed stays. An addition only:
// without this script the form works the same. Everything shown is built with
// textContent from the JSON answer; no HTML from anywhere is parsed, and only this
// server's own paths are linked.
(function () {
  'use strict';
  var form = document.querySelector('form[action="/form"]');
  var box = document.getElementById('suggestions');
  if (!form || !box || !window.fetch) return;
  var list = box.querySelector('ul');
  var subject = form.elements.namedItem('subject');
  var message = form.elements.namedItem('message');
  if (!list || !subject || !message) return;
  var lang = box.getAttribute('data-lang') || 'en';
  // The server reads no more than this of either field.
  var SUBJECT_CHARS = 100;
  var MESSAGE_CHARS = 600;
  var WAIT_MS = 400;
  var timer = null;
  var asked = '';
  var latest = 0;

  function ownPath(url) {
    return typeof url === 'string' && url.charAt(0) === '/' && url.charAt(1) !== '/' && url.charAt(1) !== '\\';
  }

  function show(articles) {
    while (list.firstChild) list.removeChild(list.firstChild);
    for (var i = 0; i < articles.length; i++) {
      var a = articles[i];
      if (!a || !ownPath(a.url)) continue;
      var item = document.createElement('li');
      var link = document.createElement('a');
      link.href = a.url;
      link.target = '_blank';
      link.rel = 'noopener noreferrer';
      link.textContent = String(a.title);
      item.appendChild(link);
      if (a.summary) {
        item.appendChild(document.createElement('br'));
        var summary = document.createElement('small');
        summary.textContent = String(a.summary);
        item.appendChild(summary);
      }
      list.appendChild(item);
    }
    box.hidden = list.childNodes.length === 0;
  }

  function ask() {
    var query =
      'lang=' + encodeURIComponent(lang) +
      '&subject=' + encodeURIComponent(subject.value.slice(0, SUBJECT_CHARS)) +
      '&message=' + encodeURIComponent(message.value.slice(0, MESSAGE_CHARS));
    if (query === asked) return;
    asked = query;
    var mine = ++latest;
    fetch('/form/suggestions?' + query, { headers: { Accept: 'application/json' }, credentials: 'omit' })
      .then(function (response) {
        return response.ok ? response.json() : { articles: [] };
      })
      .then(function (body) {
        // An older answer arriving late never replaces a newer one.
        if (mine === latest) show(body && Array.isArray(body.articles) ? body.articles : []);
      })
      .catch(function () {
        // Suggestions are a help, never in the way: the form stays as it is.
      });
  }

  function later() {
    clearTimeout(timer);
    timer = setTimeout(ask, WAIT_MS);
  }

  subject.addEventListener('input', later);
  message.addEventListener('input', later);
  // A form shown again (after a mistake) already holds words.
  if (subject.value || message.value) ask();
})();
