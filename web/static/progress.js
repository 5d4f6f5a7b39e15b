/* gradedesk: the case page's extraction progress, polled from progress.json while the files are read.
   Loaded from our own origin (CSP script-src 'self'); without JavaScript the page refreshes itself
   (<noscript> meta refresh). When the extraction has ended the page is loaded again with its results. */
(function () {
  "use strict";

  var panel = document.getElementById("progress");
  if (!panel || !window.XMLHttpRequest) { return; }
  var url = panel.getAttribute("data-progress-url");
  var bar = document.getElementById("pages-progress");
  var summary = document.getElementById("progress-summary");
  var note = document.getElementById("progress-note");
  var body = panel.querySelector("#progress-files tbody");
  var badge = document.getElementById("case-status");
  var STATUS = { queued: "排队中", running: "解析中" };

  function cell(row, text, cls) {
    var td = document.createElement("td");
    td.textContent = text === null || text === undefined ? "" : String(text);
    if (cls) { td.className = cls; }
    row.appendChild(td);
  }

  function show(p) {
    if (badge && STATUS[p.status]) { badge.textContent = STATUS[p.status]; }
    if (bar) { bar.max = p.pages || 1; bar.value = p.pages_done || 0; }
    if (summary) {
      summary.textContent = "已读取 " + (p.pages_done || 0) + " / " + (p.pages || "?") + " 页" +
        (p.eta_seconds ? "，预计还需约 " + p.eta_seconds + " 秒" : "");
    }
    if (note) { note.textContent = p.status === "queued" ? "排队等待处理。" : "正在逐个读取文件，本区域自动更新。"; }
    body.textContent = "";
    p.files.forEach(function (f) {
      var row = document.createElement("tr");
      row.className = "step-" + f.step;
      cell(row, f.name);
      cell(row, f.pages || "", "num");
      cell(row, f.pages_done, "num");
      cell(row, f.step_label, "file-status" + (f.step === "unreadable" ? " bad" : (f.step === "done" ? " good" : "")));
      cell(row, f.error || "");
      body.appendChild(row);
    });
  }

  function poll() {
    var xhr = new XMLHttpRequest();
    xhr.open("GET", url);
    xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
    xhr.onload = function () {
      if (xhr.status !== 200) { setTimeout(poll, 3000); return; }
      var p = JSON.parse(xhr.responseText);
      show(p);
      if (p.status === "done" || p.status === "failed") {
        window.location.reload();
      } else {
        setTimeout(poll, 1000);
      }
    };
    xhr.onerror = function () { setTimeout(poll, 3000); };
    xhr.send();
  }

  setTimeout(poll, 500);
}());
