// Live updates for the device page: listens to /v1/stream and writes each new Observation
// into the row of its Datastream. On a lost connection it retries with exponential backoff
// and resumes after the last offset it saw, so no update is missed.
(function () {
  "use strict";
  if (!("WebSocket" in window)) {
    return;
  }
  var status = document.getElementById("live-status");
  var last = document.body.getAttribute("data-head") || ""; // the offset to resume after
  var delay = 1000;
  var maxDelay = 30000;

  function setStatus(state, text) {
    status.setAttribute("data-state", state);
    status.textContent = text;
  }

  function streamURL() {
    var scheme = location.protocol === "https:" ? "wss:" : "ws:";
    var url = scheme + "//" + location.host + "/v1/stream";
    return last === "" ? url : url + "?from=" + encodeURIComponent(last);
  }

  function resultText(result) {
    return result === null || result === undefined ? "no value" : String(result);
  }

  // timeText writes an RFC 3339 time the way the server renders it.
  function timeText(iso) {
    var d = new Date(iso);
    if (isNaN(d.getTime())) {
      return iso;
    }
    return d.toISOString().slice(0, 19).replace("T", " ") + " UTC";
  }

  function update(m) {
    var row = document.querySelector('tr[data-datastream="' + m.datastream + '"]');
    if (!row) {
      return; // a Datastream the page does not list yet
    }
    var time = row.querySelector("time");
    var shown = Date.parse(time.getAttribute("datetime") || "");
    if (Date.parse(m.phenomenonTime) < shown) {
      return; // a late Observation, older than the one shown
    }
    row.querySelector("[data-value]").textContent = resultText(m.result);
    time.setAttribute("datetime", m.phenomenonTime);
    time.textContent = timeText(m.phenomenonTime);
    row.classList.remove("updated");
    void row.offsetWidth; // restart the highlight
    row.classList.add("updated");
  }

  function onMessage(event) {
    var m;
    try {
      m = JSON.parse(event.data);
    } catch (e) {
      return;
    }
    if (m.type === "observation") {
      last = String(m.offset);
      update(m);
    } else if (m.type === "caughtUp") {
      if (last === "" || m.offset > Number(last)) {
        last = String(m.offset);
      }
    } else if (m.type === "subscribed") {
      delay = 1000;
      setStatus("live", "Live updates: on.");
    }
  }

  function retry() {
    var wait = delay / 2 + Math.random() * delay / 2;
    delay = Math.min(delay * 2, maxDelay);
    setStatus("reconnecting", "Live updates: connection lost, retrying in " +
      Math.max(1, Math.round(wait / 1000)) + " s.");
    setTimeout(connect, wait);
  }

  function connect() {
    var ws;
    try {
      ws = new WebSocket(streamURL());
    } catch (e) {
      retry();
      return;
    }
    ws.onmessage = onMessage;
    ws.onclose = retry;
  }

  setStatus("connecting", "Live updates: connecting…");
  connect();
})();
