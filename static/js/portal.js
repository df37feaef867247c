/* TUG Portal: small enhancements. Every page works without this file; it only adds the copy
   buttons, the meeting time in the viewer's own zone, tidy URLs for htmx filters, and focus
   for confirmations swapped in by htmx. No inline script anywhere (Content-Security-Policy). */
(function () {
  "use strict";

  /* --- Copy buttons: <button data-copy-target="id" data-copy-label="..." hidden> ------------ */

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    // Plain http (no Clipboard API): the old way, through a selected, off-screen text area.
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.className = "offscreen";
      document.body.appendChild(area);
      area.select();
      var copied = document.execCommand("copy");
      document.body.removeChild(area);
      if (copied) { resolve(); } else { reject(new Error("copy refused")); }
    });
  }

  function setUpCopyButtons(root) {
    root.querySelectorAll("[data-copy-target]").forEach(function (button) {
      if (button.dataset.copyReady) { return; }
      button.dataset.copyReady = "1";
      var label = button.dataset.copyLabel || "text";
      button.setAttribute("aria-label", "Copy " + label);
      button.hidden = false;
      button.addEventListener("click", function () {
        var source = document.getElementById(button.dataset.copyTarget);
        copyText(source.textContent.trim()).then(
          function () { flash(button, "Copied"); },
          function () { flash(button, "Select and copy"); }
        );
      });
    });
  }

  function flash(button, text) {
    var original = "Copy";
    button.textContent = text;
    button.classList.add("copy-button--done");
    announce(text === "Copied" ? button.getAttribute("aria-label").replace("Copy", "Copied") : text);
    window.setTimeout(function () {
      button.textContent = original;
      button.classList.remove("copy-button--done");
    }, 2000);
  }

  /* One polite live region for short announcements ("Copied meeting number"). */
  function announce(text) {
    var region = document.getElementById("announcer");
    if (!region) {
      region = document.createElement("p");
      region.id = "announcer";
      region.className = "visually-hidden";
      region.setAttribute("role", "status");
      document.body.appendChild(region);
    }
    region.textContent = text;
  }

  /* --- The meeting's time in the viewer's own zone ------------------------------------------- */

  function setUpViewerTime(root) {
    var viewerZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    root.querySelectorAll("[data-viewer-time]").forEach(function (element) {
      // Said only where it differs: a viewer in the meeting's own zone reads the time above.
      if (viewerZone === element.dataset.zone) { return; }
      var start = new Date(element.dataset.start);
      var end = new Date(element.dataset.end);
      if (isNaN(start) || isNaN(end)) { return; }
      var day = new Intl.DateTimeFormat(undefined, {
        weekday: "long", year: "numeric", month: "long", day: "numeric"
      }).format(start);
      var clock = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit" });
      var zoneName = new Intl.DateTimeFormat(undefined, { timeZoneName: "long" })
        .formatToParts(start)
        .filter(function (part) { return part.type === "timeZoneName"; })
        .map(function (part) { return part.value; })[0] || viewerZone;
      var span = clock.format(start) + "–" + clock.format(end);
      element.textContent = "Your time: " + day + ", " + span + " " + zoneName + ".";
      element.hidden = false;
    });
  }

  /* --- htmx ------------------------------------------------------------------------------------ */

  // Filters leave no empty parameters in the URL that htmx pushes: "/?system=DRRS", not
  // "/?q=&program=&system=DRRS". The server reads both the same way.
  document.addEventListener("htmx:configRequest", function (event) {
    if (event.detail.verb !== "get") { return; }
    var empty = [];
    event.detail.formData.forEach(function (value, name) {
      if (value === "") { empty.push(name); }
    });
    empty.forEach(function (name) { delete event.detail.parameters[name]; });
  });

  // A list's search asked for again while the same search is on its way or shown is not sent
  // again: Enter fires the search box's change event and the form's submit, each a trigger of
  // the form, and the second cancelled the first in the browser while the server went on
  // running it (found from outside: every search sent with Enter ran twice, and took two of
  // the server's search slots). Decided before htmx's hx-sync cancels anything. The search is
  // forgotten when its request fails (so that it can be sent again) and when something else
  // replaces the list (a page link).
  var lastSearch = new WeakMap();

  function searchFormOf(element) {
    return element.closest ? element.closest("form[role=search]") : null;
  }

  function searchOf(form) {
    var fields = new URLSearchParams();
    new FormData(form).forEach(function (value, name) {
      if (value !== "") { fields.append(name, value); }
    });
    return (form.getAttribute("hx-get") || "") + "?" + fields.toString();
  }

  document.addEventListener("htmx:confirm", function (event) {
    var form = searchFormOf(event.detail.elt);
    if (!form || event.detail.verb !== "get") { return; }
    var search = searchOf(form);
    var last = lastSearch.get(form);
    if (last && last.search === search) {
      event.preventDefault();
      return;
    }
    lastSearch.set(form, { search: search, xhr: null });
  });

  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = searchFormOf(event.detail.elt);
    var last = form && lastSearch.get(form);
    if (last && !last.xhr) { last.xhr = event.detail.xhr; }
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var form = searchFormOf(event.detail.elt);
    var last = form && lastSearch.get(form);
    if (last && !event.detail.successful && last.xhr === event.detail.xhr) {
      lastSearch.delete(form);
    }
    if (!form && event.detail.successful) { lastSearch = new WeakMap(); }
  });

  // A form sent by htmx that is refused (429: sent again too soon; 5xx) or cannot reach the
  // server is not swapped: say so inside the form, in the server's words when it sent text.
  function showFormProblem(form, text) {
    var notice = form.querySelector(".form-problem");
    if (!notice) {
      notice = document.createElement("p");
      notice.className = "notice notice--error form-problem";
      notice.setAttribute("role", "alert");
      form.insertBefore(notice, form.firstChild);
    }
    notice.textContent = text;
  }

  // The server's own words from a refusal: plain text, or the text of the HTML alert fragment
  // the portal answers htmx with (parsed inertly: DOMParser runs no script).
  function serverWords(xhr) {
    var type = xhr.getResponseHeader("Content-Type") || "";
    if (!xhr.responseText) { return ""; }
    if (type.indexOf("text/plain") === 0) { return xhr.responseText.trim(); }
    if (type.indexOf("text/html") === 0) {
      var alert = new DOMParser().parseFromString(xhr.responseText, "text/html")
        .querySelector("[role=alert]");
      return alert ? alert.textContent.trim() : "";
    }
    return "";
  }

  // A form refused because its security token no longer matches the CSRF cookie (two pages
  // opened before the visit's first cookie each set one: common/views.py, csrf_failure): the
  // refusal carries a token that matches now. Put it in the form and send the form once more,
  // so that nothing typed is lost; a second refusal is shown as any other.
  function sentAgainWithFreshToken(form, xhr) {
    var token = xhr.status === 403 && xhr.getResponseHeader("X-CSRF-Token");
    var field = form.querySelector("input[name=csrfmiddlewaretoken]");
    if (!token || !field || form.hasAttribute("data-sent-again")) { return false; }
    form.setAttribute("data-sent-again", "");
    field.value = token;
    if (form.requestSubmit) { form.requestSubmit(); } else { htmx.trigger(form, "submit"); }
    return true;
  }

  // A list's search or filter refused because every search slot is taken (503) is sent again
  // once, half a second later, before the page says so: the slot is mostly held by this very
  // person's search as they typed it, which the browser cancelled when they pressed Enter but
  // the server still runs for a moment (found from outside: 5 of 16 searches on an idle
  // server). Only once per answer shown, so a real flood still gets its message.
  var SEARCH_AGAIN_MS = 500;

  function searchedAgainSoon(form, event) {
    if (event.detail.xhr.status !== 503 || event.detail.requestConfig.verb !== "get"
        || form.hasAttribute("data-searched-again")) { return false; }
    form.setAttribute("data-searched-again", "");
    window.setTimeout(function () {
      if (form.requestSubmit) { form.requestSubmit(); } else { htmx.trigger(form, "submit"); }
    }, SEARCH_AGAIN_MS);
    return true;
  }

  // Search-as-you-type and the filters (GETs) too: a refused search (busy, 503; too many, 429)
  // must not leave the typed words above the old, unfiltered list without a word of why.
  // A link (a page of a list, "Search all meetings") whose answer is refused is followed as a
  // plain link, so that the page says why (a list that changed since: "There is no page 2")
  // instead of nothing happening at all.
  document.addEventListener("htmx:responseError", function (event) {
    var form = event.detail.elt.closest("form");
    var link = !form && event.detail.elt.closest("a[href]");
    if (link && event.detail.requestConfig.verb === "get") {
      window.location.assign(link.href);
      return;
    }
    if (!form) { return; }
    if (sentAgainWithFreshToken(form, event.detail.xhr)) { return; }
    if (searchedAgainSoon(form, event)) { return; }
    var xhr = event.detail.xhr;
    var fallback = event.detail.requestConfig.verb === "post"
      ? "Your request could not be sent (error " + xhr.status + ")."
      : "The list could not be updated (error " + xhr.status + ").";
    showFormProblem(form, serverWords(xhr) || fallback + " Please try again in a minute.");
  });

  // The next answer that succeeds takes the problem away.
  document.addEventListener("htmx:afterRequest", function (event) {
    if (!event.detail.successful || !event.detail.elt.closest) { return; }
    var form = event.detail.elt.closest("form");
    if (form) {
      form.removeAttribute("data-sent-again");
      form.removeAttribute("data-searched-again");
    }
    var notice = form && form.querySelector(".form-problem");
    if (notice) { notice.remove(); }
  });

  document.addEventListener("htmx:sendError", function (event) {
    var form = event.detail.elt.closest("form");
    if (form) { showFormProblem(form, "The portal could not be reached. Please check your connection and try again."); }
  });

  // Whatever htmx swaps in gets the same enhancements; a confirmation takes the focus, so that
  // keyboard and screen reader users learn that the form was sent.
  document.addEventListener("htmx:afterSettle", function (event) {
    var root = event.detail.elt && event.detail.elt.isConnected ? event.detail.elt : document;
    enhance(root);
    var focusTarget = document.querySelector("[data-focus-on-load]");
    if (focusTarget) {
      focusTarget.removeAttribute("data-focus-on-load");
      focusTarget.focus();
    }
  });

  function enhance(root) {
    setUpCopyButtons(root);
    setUpViewerTime(root);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  } else {
    enhance(document);
  }
})();
