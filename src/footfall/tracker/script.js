/*
 * Footfall tracker. ES5 on purpose: `make tracker` minifies it with calmjs.parse
 * (pure Python, so building Footfall never needs Node) into script.min.js.
 *
 * Options are data attributes on the script tag (docs/tracker.md):
 *   data-domain   the site, or a comma list of sites (default: this page's host)
 *   data-api      where events go (default: the script's origin + /api/event)
 *   data-exclude  comma list of path patterns not tracked (* one segment, ** any)
 *   data-hash     track hash-based routes (#/path) as pages
 *   data-outbound, data-downloads, data-forms, data-404, data-tagged
 *                 automatic events, all on unless set to "false"; data-downloads
 *                 may list the file extensions to count instead of the defaults
 *   data-include-localhost, data-include-automation
 *                 count localhost pages and automated browsers (off by default)
 * script.engagement.js (the same tracker with the lines between the engagement
 * markers, which the default build leaves out) also measures each page's engaged time
 * and scroll depth (docs/tracker.md, "Engagement").
 * Opt out in one browser: localStorage.footfall_ignore = "true".
 * Events are Plausible Events API payloads; nothing is stored in the browser.
 */
(function (window, document) {
  var location = window.location,
    navigator = window.navigator,
    script = document.currentScript,
    lastPage;

  function option(name) {
    return script.getAttribute('data-' + name);
  }

  function enabled(name) {
    return option(name) != 'false';
  }

  var endpoint = option('api') || new URL(script.src).origin + '/api/event',
    domain = option('domain') || location.hostname,
    hashMode = option('hash') != null,
    downloads = option('downloads'),
    exclude = option('exclude');
  downloads = new RegExp('\\.(' + (downloads && downloads != 'true' && downloads != 'false' ?
    downloads.replace(/[\s.]/g, '').replace(/,/g, '|') :
    'pdf|xlsx?|docx?|txt|rtf|csv|exe|key|pps|pptx?|7z|pkg|rar|gz|zip|avi|mov|mp4|mpe?g|wmv|midi?|mp3|wav|wma|dmg') +
    ')$', 'i');
  // * matches within one path segment, ** across segments
  exclude = exclude && new RegExp('^(' + exclude.split(',').map(function (pattern) {
    return pattern.trim().split('**').map(function (part) {
      return part.replace(/\*/g, '[^/]*');
    }).join('.*');
  }).join('|') + ')/?$');

  function ignored() {
    if (option('include-localhost') == null && (location.protocol == 'file:' ||
        /^(localhost|127(\.\d+){3}|\[::1?\])$/.test(location.hostname))) return 'localhost';
    if (option('include-automation') == null &&
        (navigator.webdriver || window.Cypress)) return 'automation';
    if (exclude && exclude.test(location.pathname)) return 'excluded';
    try {
      if (window.localStorage.footfall_ignore == 'true') return 'opted out';
    } catch (e) {}
  }

  function send(name, options) {
    options = options || {};
    var skip = ignored();
    if (skip) return options.callback && options.callback({ ignored: skip });
    // JSON.stringify leaves out what is undefined
    var body = {
      n: name,
      u: options.u || location.href,
      d: domain,
      r: document.referrer || null,
      w: window.innerWidth,
      p: options.props,
      $: options.revenue,
      i: options.interactive,
      // engagement{
      e: options.e,
      sd: options.sd,
      // }engagement
      h: hashMode
    };
    // keepalive lets the request outlive the page (a click that navigates away, an
    // unload); a text/plain body needs no CORS preflight.
    function done(response) {
      options.callback && options.callback({ status: response.status });
    }
    fetch(endpoint, { method: 'POST', body: JSON.stringify(body), keepalive: true }).then(done, done);
  }

  // engagement{
  // Plausible's engagement events: the time the page is visible and focused, and the
  // deepest point of it seen (percent of its height), sent when the page is hidden or
  // left for another route, if at least 3 s were engaged or the depth grew since.
  var engagedPage, engagedMs, engagedSince, depth, sentDepth;

  function seen() {
    var body = document.body || {},
      root = document.documentElement || {},
      height = Math.max(body.scrollHeight | 0, body.offsetHeight | 0, root.scrollHeight | 0,
        root.offsetHeight | 0, root.clientHeight | 0);
    depth = Math.max(depth, Math.min(100, Math.round((window.scrollY + window.innerHeight) / height * 100)));
  }

  // Fold the running time in, and run again only while visible and focused.
  function tick() {
    var now = Date.now();
    if (engagedSince) engagedMs += now - engagedSince;
    engagedSince = document.visibilityState == 'visible' && document.hasFocus() && now;
  }

  function engage() {
    tick();
    if (engagedPage && (engagedMs >= 3000 || depth > sentDepth)) {
      send('engagement', { u: engagedPage, e: engagedMs, sd: depth });
      engagedMs = 0;
      sentDepth = depth;
    }
  }

  document.addEventListener('visibilitychange', function () {
    document.visibilityState == 'hidden' ? engage() : tick();
  });
  window.addEventListener('pagehide', engage);
  window.addEventListener('focus', tick);
  window.addEventListener('blur', tick);
  document.addEventListener('scroll', seen, { passive: true });
  // }engagement

  function pageview() {
    var page = location.pathname + (hashMode ? location.hash : '');
    if (page != lastPage) {
      // engagement{
      engage();
      engagedPage = location.href;
      engagedMs = depth = sentDepth = 0;
      engagedSince = null;
      tick();
      seen();
      // }engagement
      lastPage = page;
      send('pageview');
    }
  }

  // Single-page apps: a pageview for every route change, none for query-only changes.
  ['pushState', 'replaceState'].forEach(function (method) {
    var original = history[method];
    history[method] = function () {
      original.apply(this, arguments);
      pageview();
    };
  });
  window.addEventListener('popstate', pageview);
  if (hashMode) window.addEventListener('hashchange', pageview);

  // HTML-tagged events: class="footfall-event-name=Signup footfall-event-plan=pro"
  // (Plausible's plausible-event-* classes too), or data-event="Signup"
  // data-event-props='{"plan":"pro"}' data-event-revenue='{"currency":"EUR","amount":"9"}'.
  function tagged(element) {
    var name = element.getAttribute('data-event');
    var options = {};
    if (name) {
      options.props = JSON.parse(element.getAttribute('data-event-props'));
      options.revenue = JSON.parse(element.getAttribute('data-event-revenue'));
    } else {
      (element.getAttribute('class') || '').split(/\s+/).forEach(function (token) {
        var tag = /^(?:footfall|plausible)-event-(.+)=(.+)$/.exec(token);
        if (tag) {
          var value = tag[2].replace(/\+/g, ' ');
          if (tag[1] == 'name') name = value;
          else (options.props = options.props || {})[tag[1]] = value;
        }
      });
    }
    if (name && enabled('tagged')) send(name, options);
    return name;
  }

  function onClick(event) {
    if (event.type == 'auxclick' && event.button != 1) return;
    var link, tag;
    for (var element = event.target; element && element.getAttribute; element = element.parentNode) {
      if (!link && element.tagName == 'A' && element.href) link = element;
      // the innermost tagged element counts; a tagged form counts when submitted
      if (!tag && element.tagName != 'FORM') tag = tagged(element);
    }
    if (link) {
      var url = { props: { url: link.href } };
      if (link.host && link.host != location.host) { // mailto: and tel: have no host
        if (enabled('outbound')) send('Outbound Link: Click', url);
      } else if (downloads.test(link.pathname) && enabled('downloads')) {
        send('File Download', url);
      }
    }
  }

  document.addEventListener('click', onClick, true);
  document.addEventListener('auxclick', onClick, true);
  document.addEventListener('submit', function (event) {
    tagged(event.target);
    if (enabled('forms')) send('Form: Submission', { props: { path: location.pathname } });
  }, true);

  function start() {
    pageview();
    var navigation = performance.getEntriesByType('navigation')[0];
    if (navigation && navigation.responseStatus == 404 && enabled('404')) {
      send('404', { props: { path: location.pathname } });
    }
  }

  // Calls made before the script loaded wait in footfall.q (the snippet's stub).
  var queue = window.footfall && window.footfall.q || [];
  window.footfall = send;

  // A prerendered page counts once it is shown.
  if (document.visibilityState == 'prerender') {
    document.addEventListener('visibilitychange', function () {
      if (!lastPage && document.visibilityState == 'visible') start();
    });
  } else {
    start();
  }
  for (var i = 0; i < queue.length; i++) send.apply(null, queue[i]);
})(window, document);
