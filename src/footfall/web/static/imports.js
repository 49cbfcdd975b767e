// The settings page's import form: the file is posted in the background, then the
// job's progress is polled (GET .../import-jobs/ID) and drawn in a <progress> bar.
// Without this script the form posts normally and the page shows the job as it was.
(function () {
  "use strict";
  var form = document.getElementById("import-form");
  var list = document.getElementById("import-jobs");
  if (!form || !list) return;
  var statusUrl = form.getAttribute("data-status") || "";

  function row(id, name) {
    var div = document.createElement("div");
    div.className = "import-job row";
    div.setAttribute("data-job", id);
    var label = document.createElement("span");
    label.className = "grow";
    label.textContent = name;
    var bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    var percent = document.createElement("span");
    percent.className = "import-percent";
    percent.textContent = "0 %";
    var state = document.createElement("span");
    state.className = "import-state muted";
    state.textContent = "uploading";
    div.append(label, bar, percent, state);
    list.prepend(div);
    return div;
  }

  function show(div, job) {
    div.setAttribute("data-state", job.state);
    div.querySelector("progress").value = job.percent;
    div.querySelector(".import-percent").textContent = job.percent + " %";
    var text = job.state;
    if (job.state === "done" && job.import) {
      text = "imported " + job.import.rows + " rows (" + job.import.start_date + " – " + job.import.end_date + ")";
    } else if (job.error) {
      text = job.error;
    }
    div.querySelector(".import-state").textContent = text;
  }

  function poll(div) {
    var id = div.getAttribute("data-job");
    fetch(statusUrl + encodeURIComponent(id), { headers: { accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (job) {
        show(div, job);
        if (job.state === "running") setTimeout(function () { poll(div); }, 400);
      })
      .catch(function () {
        div.querySelector(".import-state").textContent = "progress unknown here: reload the page later";
      });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var file = form.querySelector("input[type=file]");
    var name = file && file.files && file.files[0] ? file.files[0].name : "";
    var div = row("", name);
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    fetch(form.action, { method: "POST", body: new FormData(form), headers: { accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) {
        return r.json().catch(function () { return { detail: "refused (" + r.status + ")" }; })
          .then(function (body) { return r.ok ? body : Promise.reject(body); });
      })
      .then(function (job) {
        div.setAttribute("data-job", job.id);
        show(div, job);
        form.reset();
        if (job.state === "running") poll(div);
      })
      .catch(function (body) {
        div.setAttribute("data-state", "failed");
        div.querySelector(".import-state").textContent = (body && body.detail) || "the upload failed";
      })
      .finally(function () { button.disabled = false; });
  });

  list.querySelectorAll(".import-job[data-state=running]").forEach(poll);
})();
