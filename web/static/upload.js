/* gradedesk: drag-and-drop upload with a progress bar and per-file status while extraction runs.
   Plain JavaScript, no libraries; loaded from our own origin (CSP script-src 'self').
   Without JavaScript the form still posts normally. */
(function () {
  "use strict";

  var form = document.querySelector("form[data-upload]");
  if (!form || !window.FormData || !window.XMLHttpRequest) { return; }
  var input = form.querySelector("input[type=file]");
  var zone = form.querySelector("[data-dropzone]");
  var table = document.getElementById("file-list");
  var body = table ? table.querySelector("tbody") : null;
  var progressRow = document.getElementById("progress-row");
  var bar = document.getElementById("upload-progress");
  var barText = document.getElementById("progress-text");
  var message = document.getElementById("upload-message");
  var button = document.getElementById("upload-button");
  var files = [];
  var STATUS = { queued: "排队等待解析", running: "正在解析", done: "解析完成", failed: "解析失败" };

  function size(bytes) {
    if (bytes >= 1048576) { return (bytes / 1048576).toFixed(1) + " MB"; }
    if (bytes >= 1024) { return Math.round(bytes / 1024) + " KB"; }
    return bytes + " 字节";
  }

  function say(text, kind) {
    message.textContent = text;
    message.className = kind ? "flash flash-" + kind : "notice";
  }

  function cell(row, text, cls) {
    var td = document.createElement("td");
    td.textContent = text;
    if (cls) { td.className = cls; }
    row.appendChild(td);
    return td;
  }

  function showFiles() {
    files = Array.prototype.slice.call(input.files || []);
    body.textContent = "";
    files.forEach(function (f) {
      var row = document.createElement("tr");
      cell(row, f.name);
      cell(row, size(f.size), "num");
      f.statusCell = cell(row, "待上传", "file-status");
      body.appendChild(row);
    });
    table.hidden = files.length === 0;
    say(files.length ? "已选择 " + files.length + " 个文件。" : "", null);
  }

  function setStatus(text, cls) {
    files.forEach(function (f) {
      f.statusCell.textContent = text;
      f.statusCell.className = "file-status" + (cls ? " " + cls : "");
    });
  }

  input.addEventListener("change", showFiles);

  if (zone) {
    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (e) { e.preventDefault(); zone.classList.add("over"); });
    });
    ["dragleave", "drop"].forEach(function (name) {
      zone.addEventListener(name, function (e) { e.preventDefault(); zone.classList.remove("over"); });
    });
    zone.addEventListener("drop", function (e) {
      if (e.dataTransfer && e.dataTransfer.files && e.dataTransfer.files.length) {
        input.files = e.dataTransfer.files;
        showFiles();
      }
    });
  }

  function documentsTable(docs) {
    var rows = docs.map(function (d) {
      var state = d.error ? "无法读取：" + d.error : (d.kind || "未识别") + (d.method ? "（" + d.method + "）" : "");
      return [d.file, d.pages ? d.pages + " 页" : "", state, d.error ? "bad" : "good"];
    });
    var old = document.getElementById("document-status");
    if (old) { old.parentNode.removeChild(old); }
    var t = document.createElement("table");
    t.id = "document-status";
    t.className = "data";
    var head = document.createElement("tr");
    ["材料", "页数", "识别结果"].forEach(function (h) {
      var th = document.createElement("th"); th.textContent = h; head.appendChild(th);
    });
    var thead = document.createElement("thead"); thead.appendChild(head); t.appendChild(thead);
    var tb = document.createElement("tbody");
    rows.forEach(function (r) {
      var tr = document.createElement("tr");
      cell(tr, r[0]); cell(tr, r[1], "num"); cell(tr, r[2], "file-status " + r[3]);
      tb.appendChild(tr);
    });
    t.appendChild(tb);
    message.parentNode.insertBefore(t, message.nextSibling);
  }

  function poll(statusUrl, caseUrl, progressUrl) {
    var xhr = new XMLHttpRequest();
    xhr.open("GET", statusUrl);
    xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
    xhr.onload = function () {
      if (xhr.status !== 200) { setTimeout(function () { poll(statusUrl, caseUrl, progressUrl); }, 2000); return; }
      var s = JSON.parse(xhr.responseText);
      setStatus(STATUS[s.status] || s.status, s.status === "failed" ? "bad" : (s.status === "done" ? "good" : ""));
      if (s.status === "done" || s.status === "failed") { bar.max = 100; bar.value = 100; barText.textContent = "100%"; }
      if (s.status === "done" && s.unreadable) {
        documentsTable(s.documents);
        setStatus("无法识别", "bad");
        say("无法识别：没有一个文件可以读取，原因见上表。请换用清晰的扫描件或原始文件后重新上传。", "error");
      } else if (s.status === "done") {
        documentsTable(s.documents);
        say("解析完成：" + s.documents.length + " 份材料，审核意见 " + s.findings + " 条（阻断性 " + s.blocking + " 条）。", "success");
        var link = document.createElement("a");
        link.href = caseUrl; link.className = "button"; link.id = "open-case";
        link.textContent = "查看解析结果和审核意见";
        message.appendChild(document.createTextNode(" "));
        message.appendChild(link);
        (s.duplicates || []).forEach(function (d) {
          var warn = document.createElement("p");
          warn.className = "flash flash-warning duplicate";
          warn.appendChild(document.createTextNode("可能重复申报：案件 " + d.id + "（" + d.title + "）尚在办理，" + d.why +
            "。如本次上传有误，请在案件页撤回其中一件。"));
          message.parentNode.insertBefore(warn, message.nextSibling);
        });
      } else if (s.status === "failed") {
        say("解析失败：" + (s.error || ""), "error");
      } else {
        if (progressUrl) { showProgress(progressUrl); }
        setTimeout(function () { poll(statusUrl, caseUrl, progressUrl); }, 1000);
      }
    };
    xhr.onerror = function () { setTimeout(function () { poll(statusUrl, caseUrl, progressUrl); }, 2000); };
    xhr.send();
  }

  /* While the worker reads: the bar counts pages read, each file shows its step (and at once why it
     cannot be read). */
  function showProgress(progressUrl) {
    var xhr = new XMLHttpRequest();
    xhr.open("GET", progressUrl);
    xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
    xhr.onload = function () {
      if (xhr.status !== 200) { return; }
      var p = JSON.parse(xhr.responseText);
      if (p.status !== "running" || !p.pages) { return; }
      bar.max = p.pages;
      bar.value = p.pages_done;
      barText.textContent = "解析：已读取 " + p.pages_done + " / " + p.pages + " 页" +
        (p.eta_seconds ? "，预计还需约 " + p.eta_seconds + " 秒" : "");
      documentsTable(p.files.map(function (f) {
        return { file: f.name, pages: f.pages, error: f.error, method: "",
                 kind: f.step_label + (f.pages && f.step === "reading" ? "（" + f.pages_done + " / " + f.pages + " 页）" : "") };
      }));
    };
    xhr.send();
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    if (!input.files || !input.files.length) { say("请先选择或拖入申报材料。", "error"); return; }
    if (!files.length) { showFiles(); }
    var data = new FormData(form);
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.getAttribute("action") || window.location.href);
    xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
    xhr.setRequestHeader("Accept", "application/json");
    var total = files.reduce(function (n, f) { return n + f.size; }, 0);
    xhr.upload.onprogress = function (ev) {
      if (!ev.lengthComputable) { return; }
      var pct = Math.round(ev.loaded / ev.total * 100);
      bar.value = pct;
      barText.textContent = pct + "%（" + size(ev.loaded) + " / " + size(ev.total) + "）";
      var sent = ev.loaded / ev.total * total, upTo = 0;
      files.forEach(function (f) {
        upTo += f.size;
        f.statusCell.textContent = sent >= upTo ? "已上传" : (sent > upTo - f.size ? "上传中" : "等待上传");
      });
    };
    xhr.onload = function () {
      var reply = {};
      try { reply = JSON.parse(xhr.responseText); } catch (err) { reply = {}; }
      if (xhr.status === 201) {
        bar.value = 100;
        barText.textContent = "100%";
        button.hidden = true;
        setStatus("已上传，排队等待解析");
        say("上传完成（案件 " + reply.id + "），正在解析……", null);
        poll(reply.status_url, reply.url, reply.progress_url);
      } else {
        button.disabled = false;
        setStatus("上传失败", "bad");
        say(reply.message || "上传失败（HTTP " + xhr.status + "）。", "error");
      }
    };
    xhr.onerror = function () {
      button.disabled = false;
      setStatus("上传失败", "bad");
      say("网络错误，上传未完成，请重试。", "error");
    };
    button.disabled = true;
    progressRow.hidden = false;
    say("正在上传……", null);
    xhr.send(data);
  });
}());
