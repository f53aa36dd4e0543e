// Live dashboards: one WebSocket to /ws/dashboard/?screen=<this screen>&lang=<page language>[&subject=<id>]&after=<last id>.
// The last frame of each batch carries this screen's live part, rendered once by the server for
// everyone who sees the same ("screen": {"name", "through", "html"} on its last event); the page
// morphs it in (idiomorph) with no HTTP request, keeping what the person is doing: text typed in a
// field, focus, an open <details>, an error shown, the scroll position. Only events that come
// without it (the replay after a (re)connect) make the page fetch its live part (?fragment=1).
// Reconnects with exponential backoff and jitter; events are de-duplicated by id.
(function () {
  "use strict";
  const root = document.querySelector("[data-dashboard]");
  if (!root) return;
  const kind = root.dataset.dashboard;
  const live = document.getElementById("live");
  const conn = root.querySelector("[data-conn]");
  const en = document.documentElement.lang === "en";
  const text = {
    live: en ? "Live" : "实时",
    offline: en ? "Reconnecting…" : "重新连接中…",
    overdue: en ? "Overdue" : "已超时",
    left: en ? "left" : "剩余",
    newTask: en ? "New task" : "新任务",
    failed: en ? "The action failed; please try again." : "操作失败，请重试。",
  };
  let lastId = parseInt(root.dataset.lastEventId || "0", 10);
  let shownThrough = lastId; // the live part on screen reflects every event up to this id
  let attempt = 0;
  let refreshTimer = null;
  let audio = null;
  // Kept for people and for the browser tests: every event id this page applied, in order.
  window.dashboardEvents = [];

  function setConn(state) {
    if (!conn) return;
    conn.dataset.state = state;
    conn.textContent = text[state];
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    let query = "?screen=" + encodeURIComponent(kind) + "&lang=" + encodeURIComponent(document.documentElement.lang);
    // A screen of one thing (a day's reports board, a response's compliance) names it.
    if (root.dataset.screenSubject) query += "&subject=" + encodeURIComponent(root.dataset.screenSubject);
    const socket = new WebSocket(scheme + "://" + location.host + "/ws/dashboard/" + query + "&after=" + lastId);
    socket.onopen = function () {
      attempt = 0;
      setConn("live");
    };
    socket.onmessage = function (message) {
      if (message.data === "pong") return;
      // A frame is an array of events in id order (one transaction's, or a page of the replay).
      let screen = null;
      JSON.parse(message.data).forEach(function (event) {
        if (event.type === "reset") {
          // Our cursor is unknown to the server (another database, a restore): start again from a fresh page.
          location.reload();
          return;
        }
        if (event.screen && event.screen.name === kind) screen = event.screen;
        if (event.id <= lastId) return; // a duplicate after a reconnect
        lastId = event.id;
        root.dataset.lastEventId = String(lastId);
        window.dashboardEvents.push(event.id);
        handle(event);
      });
      if (screen && screen.through >= shownThrough) {
        show(screen.html, screen.through);
      }
      if (lastId > shownThrough) {
        // Events with no screen part: the replay after a (re)connect, or the first frames of a
        // large batch (its last frame has the part and cancels this).
        scheduleRefresh(250);
      } else {
        clearTimeout(refreshTimer);
      }
    };
    socket.onclose = function (close) {
      setConn("offline");
      if (close.code === 4401 || close.code === 4403) {
        location.reload(); // logged out or deactivated: the server decides where to go
        return;
      }
      attempt += 1;
      const ceiling = Math.min(30000, 500 * Math.pow(2, attempt));
      setTimeout(connect, ceiling / 2 + Math.random() * (ceiling / 2));
    };
  }

  function handle(event) {
    if (kind === "unit" && event.type === "assignment.created") announce(event.payload);
  }

  // --- Applying a live part: morph the DOM, never wipe what the person is doing.
  function edited(node) {
    // A field the person typed in, changed or is in: its value is theirs until they send it.
    if (!(node instanceof HTMLInputElement || node instanceof HTMLTextAreaElement || node instanceof HTMLSelectElement)) {
      return false;
    }
    if (node === document.activeElement) return true;
    if (node instanceof HTMLSelectElement) {
      return Array.prototype.some.call(node.options, function (o) { return o.selected !== o.defaultSelected; });
    }
    if (node.type === "checkbox" || node.type === "radio") return node.checked !== node.defaultChecked;
    if (node.type === "file") return node.files && node.files.length > 0;
    return node.value !== node.defaultValue;
  }

  const morphOptions = {
    morphStyle: "innerHTML",
    ignoreActiveValue: true,
    restoreFocus: true,
    callbacks: {
      beforeNodeMorphed: function (oldNode) {
        if (edited(oldNode)) return false;
        // A form's idempotency key that forms.js filled stays with the form until the form changes.
        if (oldNode.nodeType === 1 && oldNode.getAttribute("data-idempotency") === "client" && oldNode.value) return false;
        // An error shown after a failed action stays until the person acts again.
        if (oldNode.nodeType === 1 && oldNode.hasAttribute("data-error") && !oldNode.hidden) return false;
        return true;
      },
      beforeAttributeUpdated: function (name, node, change) {
        // A <details> the person opened or closed stays so.
        if (name === "open" && node instanceof HTMLDetailsElement) return false;
        // forms.js's character counters: the field keeps its counter and no maxlength cuts it.
        if (change === "remove" && (name === "data-limit" || name === "data-counter-id")) return false;
        if (name === "maxlength" && node.hasAttribute("data-limit")) return false;
        return true;
      },
      beforeNodeRemoved: function (node) {
        return !(node.nodeType === 1 && node.classList.contains("char-count"));
      },
    },
  };

  let shows = 0; // how many live parts were applied: a fetch overtaken by a frame is dropped

  function show(html, through) {
    shows += 1;
    if (window.Idiomorph) {
      window.Idiomorph.morph(live, html, morphOptions);
    } else {
      live.innerHTML = html; // the morphing library did not load: still current, if less gentle
    }
    shownThrough = Math.max(shownThrough, through);
    applyFilter();
    tick();
    root.dataset.shownThrough = String(shownThrough);
  }

  function scheduleRefresh(delay) {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(refresh, delay);
  }

  async function refresh() {
    const through = lastId; // the answer reflects at least every event received so far
    const before = shows;
    try {
      const answer = await fetch(location.pathname + "?fragment=1", { credentials: "same-origin" });
      if (answer.redirected || answer.status === 403) {
        location.reload();
        return;
      }
      if (!answer.ok) {
        scheduleRefreshLater();
        return;
      }
      const html = await answer.text();
      if (shows !== before) return; // a frame brought a newer live part meanwhile
      show(html, through);
    } catch (error) {
      scheduleRefreshLater();
    }
  }

  function scheduleRefreshLater() {
    scheduleRefresh(2000);
  }

  // A recurring duty's later occurrence (issue 17 item 6), as the screen shows it: 第2次 / 2nd occurrence.
  function occurrence(n) {
    if (!n || n < 2) return "";
    if (!en) return " 第" + n + "次";
    const suffix = n % 100 >= 10 && n % 100 <= 20 ? "th" : { 1: "st", 2: "nd", 3: "rd" }[n % 10] || "th";
    return " (" + n + suffix + " occurrence)";
  }

  // --- New-task alert: a short tone and a browser notification, once the user allowed them.
  function announce(task) {
    if (audio) {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.frequency.value = 880;
      gain.gain.value = 0.2;
      osc.connect(gain).connect(audio.destination);
      osc.start();
      osc.stop(audio.currentTime + 0.4);
    }
    if ("Notification" in window && Notification.permission === "granted") {
      new Notification(text.newTask + ": " + task.title + occurrence(task.occurrence), { body: task.instructions || "" });
    }
  }

  const enable = root.querySelector("[data-enable-notifications]");
  if (enable) {
    enable.addEventListener("click", function () {
      const Ctx = window.AudioContext || window.webkitAudioContext;
      if (Ctx && !audio) audio = new Ctx();
      if ("Notification" in window) Notification.requestPermission();
      enable.hidden = true;
    });
  }

  // --- Deadline countdowns.
  function tick() {
    const now = Date.now();
    live.querySelectorAll("[data-countdown]").forEach(function (el) {
      const left = Math.round((Date.parse(el.dataset.countdown) - now) / 1000);
      if (left <= 0) {
        el.textContent = text.overdue;
        el.classList.add("overdue");
        return;
      }
      const m = Math.floor(left / 60);
      const s = String(left % 60).padStart(2, "0");
      el.textContent = en ? m + ":" + s + " " + text.left : text.left + " " + m + ":" + s;  // "剩余 59:51", "59:51 left"
    });
    const clock = root.querySelector("[data-clock]");
    if (clock) clock.textContent = new Date().toLocaleTimeString(en ? "en-GB" : "zh-CN");
  }
  setInterval(tick, 1000);

  // --- Office grid filter by kind of unit.
  let kindFilter = "";
  function applyFilter() {
    live.querySelectorAll("[data-kind]").forEach(function (cell) {
      cell.hidden = kindFilter !== "" && cell.dataset.kind !== kindFilter;
    });
  }
  const filters = root.querySelector("[data-kind-filter]");
  if (filters) {
    filters.addEventListener("click", function (event) {
      const button = event.target.closest("button[data-kind]");
      if (!button) return;
      kindFilter = button.dataset.kind;
      filters.querySelectorAll("button").forEach(function (b) {
        b.classList.toggle("active", b === button);
      });
      applyFilter();
    });
  }

  // --- Unit actions through the API (session cookie + CSRF token). The live part is rendered
  // once for many readers, so it holds no one's CSRF token: the page's own (its header's forms, or
  // the cookie) goes with each request, and into each form the live part posts (the leader's).
  function csrfToken() {
    const own = Array.prototype.find.call(document.querySelectorAll("input[name=csrfmiddlewaretoken]"), function (i) {
      return !live.contains(i);
    });
    if (own && own.value) return own.value;
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  live.addEventListener(
    "submit",
    function (event) {
      const form = event.target;
      if (!(form instanceof HTMLFormElement) || form.method.toLowerCase() !== "post") return;
      let input = form.querySelector("input[name=csrfmiddlewaretoken]");
      if (!input) {
        input = document.createElement("input");
        input.type = "hidden";
        input.name = "csrfmiddlewaretoken";
        form.appendChild(input);
      }
      input.value = csrfToken();
    },
    true,
  );

  async function post(url, body, errorBox) {
    const answer = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
      body: body,
    });
    if (answer.ok) {
      // The change comes back on the socket with the live part; nothing to fetch here.
      return true;
    }
    let message = text.failed;
    try {
      const data = await answer.json();
      message = data.detail || Object.values(data).flat().join(" ") || message;
    } catch (error) {
      /* not JSON: keep the generic message */
    }
    if (errorBox) {
      errorBox.textContent = message;
      errorBox.hidden = false;
    }
    return false;
  }

  live.addEventListener("click", function (event) {
    const button = event.target.closest("button[data-action='acknowledge']");
    if (!button) return;
    button.disabled = true;
    const box = button.closest("article").querySelector("[data-error]");
    post("/api/assignments/" + button.dataset.id + "/acknowledge/", null, box).finally(function () {
      button.disabled = false;
    });
  });

  live.addEventListener("submit", function (event) {
    const form = event.target.closest("form[data-action]");
    if (!form) return;
    event.preventDefault();
    const box = form.closest("article").querySelector("[data-error]");
    if (box) box.hidden = true;
    post("/api/assignments/" + form.dataset.id + "/" + form.dataset.action + "/", new FormData(form), box).then(
      function (ok) {
        if (ok) form.reset(); // sent: the fields are no longer the person's work in progress
      },
    );
  });

  applyFilter();
  tick();
  connect();
})();
