// A material's topic list follows its meeting (the admin's material form and "Upload several
// files"): when staff choose another meeting, the list is refilled with that meeting's topics,
// asked of the admin (materials/admin.py → topic_choices_view). The server offers the same
// topics when the form is shown again, so nothing depends on this script but the refill.
(function () {
  "use strict";

  function refill(meeting, topic) {
    const chosen = topic.value;
    if (!meeting.value) {
      topic.replaceChildren(new Option("---------", ""));
      return;
    }
    const url = new URL(topic.dataset.choicesUrl, window.location.href);
    url.searchParams.set("meeting", meeting.value);
    fetch(url, { credentials: "same-origin" })
      .then((answer) => (answer.ok ? answer.text() : Promise.reject(answer.status)))
      .then((options) => {
        topic.innerHTML = options;
        // A topic still offered stays chosen (the same meeting chosen again).
        topic.value = Array.from(topic.options).some((o) => o.value === chosen) ? chosen : "";
        topic.dispatchEvent(new Event("change", { bubbles: true }));
      })
      .catch(() => {
        topic.replaceChildren(new Option("(the topics could not be loaded: save, then choose)", ""));
      });
  }

  function start() {
    const topic = document.querySelector("select[data-choices-url][data-meeting-field]");
    const meeting = topic && document.getElementById(topic.dataset.meetingField);
    if (!meeting) {
      return;
    }
    const onChange = () => refill(meeting, topic);
    // The admin's meeting autocomplete (select2) says "change" through jQuery only.
    if (window.django && window.django.jQuery) {
      window.django.jQuery(meeting).on("change", onChange);
    } else {
      meeting.addEventListener("change", onChange);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
