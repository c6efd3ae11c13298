/* Duty console: live queue updates (polling), visible and audible alert for urgent tips.
   No framework, no third-party request; tip data goes into the page as text only. */
(function () {
  "use strict";

  var SOUND_KEY = "tipline.sound";
  var audioContext = null;
  var alerted = Object.create(null);
  var seen = Object.create(null);
  var baseTitle = document.title;

  function soundWanted() {
    try { return window.localStorage.getItem(SOUND_KEY) === "on"; } catch (e) { return false; }
  }

  function setSoundWanted(on) {
    try { window.localStorage.setItem(SOUND_KEY, on ? "on" : "off"); } catch (e) { /* private mode */ }
  }

  function ensureAudio() {
    if (!audioContext) {
      var Ctx = window.AudioContext || window.webkitAudioContext;
      if (!Ctx) { return null; }
      audioContext = new Ctx();
    }
    if (audioContext.state === "suspended") { audioContext.resume(); }
    return audioContext;
  }

  function beep() {
    document.body.dataset.beeps = String(Number(document.body.dataset.beeps || "0") + 1);
    if (!soundWanted()) { return; }
    var ctx = ensureAudio();
    if (!ctx) { return; }
    document.body.dataset.audio = ctx.state;  // "running" once the officer has clicked
    [0, 0.35, 0.7].forEach(function (offset) {
      var osc = ctx.createOscillator();
      var gain = ctx.createGain();
      osc.type = "square";
      osc.frequency.value = 880;
      gain.gain.setValueAtTime(0.0001, ctx.currentTime + offset);
      gain.gain.exponentialRampToValueAtTime(0.25, ctx.currentTime + offset + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, ctx.currentTime + offset + 0.25);
      osc.connect(gain).connect(ctx.destination);
      osc.start(ctx.currentTime + offset);
      osc.stop(ctx.currentTime + offset + 0.3);
    });
  }

  function setupSoundToggle() {
    var button = document.getElementById("sound-toggle");
    if (!button || document.body.dataset.page !== "queue") { return; }
    button.hidden = false;
    function render() {
      var on = soundWanted();
      button.textContent = on ? "Sound on" : "Sound off";
      button.setAttribute("aria-pressed", on ? "true" : "false");
    }
    button.addEventListener("click", function () {
      setSoundWanted(!soundWanted());
      if (soundWanted()) { ensureAudio(); }
      render();
    });
    // Browsers start audio only after a user gesture: any click on the page unlocks it.
    document.addEventListener("click", function () { if (soundWanted()) { ensureAudio(); } }, { once: true });
    render();
  }

  function remember(root) {
    root.querySelectorAll("tr[data-key]").forEach(function (row) {
      seen[row.dataset.key] = true;
      alerted[row.dataset.reference] = true;
    });
  }

  function showAlert(items) {
    var box = document.getElementById("urgent-alert");
    if (!box) { return; }
    box.replaceChildren();
    var title = document.createElement("strong");
    title.textContent = items.length === 1 ? "New urgent tip:" : items.length + " new urgent tips:";
    box.appendChild(title);
    items.forEach(function (item) {
      var link = document.createElement("a");
      link.href = item.url;
      link.className = "alert-tip";
      link.textContent = item.reference + " · " + item.category + (item.place ? " · " + item.place : "") + " · " + item.queue;
      box.appendChild(link);
    });
    var dismiss = document.createElement("button");
    dismiss.type = "button";
    dismiss.textContent = "Dismiss";
    dismiss.addEventListener("click", function () { box.hidden = true; document.title = baseTitle; });
    box.appendChild(dismiss);
    box.hidden = false;
    document.title = "(!) URGENT TIP · " + baseTitle;
    document.body.dataset.alerts = String(Number(document.body.dataset.alerts || "0") + items.length);
    beep();
  }

  function refreshTable() {
    var url = new URL(window.location.href);
    url.searchParams.set("partial", "1");
    return fetch(url.toString(), { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) {
        if (!response.ok || response.redirected) { throw new Error("refresh " + response.status); }
        return response.text();
      })
      .then(function (html) {
        // Parsed as inert markup (scripts in it never run); the server escaped all tip text.
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById("queue-table");
        var current = document.getElementById("queue-table");
        if (fresh && current) {
          current.replaceWith(document.importNode(fresh, true));
          remember(document);
        }
      });
  }

  function startPolling(section) {
    var cursor = section.dataset.cursor;
    var interval = Math.max(1000, Number(section.dataset.pollMs) || 5000);
    var status = document.getElementById("live-status");
    var changesUrl = section.dataset.changesUrl;
    remember(document);

    function poll() {
      fetch(changesUrl + "?cursor=" + encodeURIComponent(cursor),
            { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) {
          if (response.redirected || response.status === 401) {
            throw new Error("signed out");
          }
          if (!response.ok) { throw new Error("HTTP " + response.status); }
          return response.json();
        })
        .then(function (data) {
          var changed = false;
          var urgent = [];
          cursor = data.cursor;
          data.changes.forEach(function (item) {
            if (seen[item.key]) { return; }
            seen[item.key] = true;
            changed = true;
            if (item.urgency === "high" && (item.status === "new" || item.status === "rerouted") && !alerted[item.reference]) {
              alerted[item.reference] = true;
              urgent.push(item);
            }
          });
          if (urgent.length) { showAlert(urgent); }
          if (status) {
            status.classList.remove("offline");
            status.textContent = "Live: updated " + new Date().toLocaleTimeString();
          }
          var next = function () { window.setTimeout(poll, data.more ? 200 : interval); };
          if (changed) { refreshTable().then(next, next); } else { next(); }
        })
        .catch(function (error) {
          if (status) {
            status.classList.add("offline");
            status.textContent = error.message === "signed out"
              ? "Signed out: reload the page to sign in again"
              : "Live updates interrupted, retrying…";
          }
          if (error.message !== "signed out") { window.setTimeout(poll, interval * 2); }
        });
    }
    window.setTimeout(poll, interval);
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupSoundToggle();
    var section = document.getElementById("queue");
    if (section && section.dataset.changesUrl) { startPolling(section); }
  });
}());
