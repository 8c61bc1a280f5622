/* Service pages: reply countdowns, and the customer's co-signature drawn on a <canvas>
   (mouse, pen or finger through pointer events), uploaded as a PNG. No inline script (CSP). */
(function () {
  "use strict";

  function countdowns() {
    var labels = document.getElementById("countdown-labels");
    if (!labels) { return; }
    var nodes = document.querySelectorAll("[data-countdown]");
    function tick() {
      var now = Date.now();
      nodes.forEach(function (node) {
        var left = Date.parse(node.getAttribute("data-countdown")) - now;
        if (left <= 0) {
          node.textContent = labels.getAttribute("data-overdue");
          node.classList.add("text-danger");
          return;
        }
        var minutes = Math.floor(left / 60000);
        node.textContent = labels.getAttribute("data-left")
          .replace("{h}", String(Math.floor(minutes / 60))).replace("{m}", String(minutes % 60));
      });
    }
    if (nodes.length) { tick(); window.setInterval(tick, 30000); }
  }

  function signaturePad() {
    var canvas = document.getElementById("signature-pad");
    if (!canvas) { return; }
    var form = document.getElementById("signature-form");
    var error = document.getElementById("signature-error");
    var ctx = canvas.getContext("2d");
    var drawing = false, drawn = false, last = null;
    canvas.style.touchAction = "none";

    function blank() {
      ctx.fillStyle = "#ffffff";
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      ctx.strokeStyle = "#111111";
      ctx.lineWidth = 3;
      ctx.lineCap = "round";
      ctx.lineJoin = "round";
      drawn = false;
    }
    function point(event) {
      var rect = canvas.getBoundingClientRect();
      return { x: (event.clientX - rect.left) * canvas.width / rect.width,
               y: (event.clientY - rect.top) * canvas.height / rect.height };
    }
    canvas.addEventListener("pointerdown", function (event) {
      event.preventDefault();
      drawing = true;
      last = point(event);
      if (canvas.setPointerCapture) { canvas.setPointerCapture(event.pointerId); }
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!drawing) { return; }
      event.preventDefault();
      var p = point(event);
      ctx.beginPath();
      ctx.moveTo(last.x, last.y);
      ctx.lineTo(p.x, p.y);
      ctx.stroke();
      last = p;
      drawn = true;
    });
    ["pointerup", "pointercancel", "pointerleave"].forEach(function (name) {
      canvas.addEventListener(name, function () { drawing = false; });
    });
    document.getElementById("signature-clear").addEventListener("click", blank);
    document.getElementById("signature-save").addEventListener("click", function () {
      error.textContent = "";
      if (!drawn) { error.textContent = canvas.getAttribute("data-empty"); return; }
      canvas.toBlob(function (blob) {
        var data = new FormData();
        data.append("csrf_token", form.querySelector("[name=csrf_token]").value);
        data.append("signer_name", form.querySelector("[name=signer_name]").value);
        data.append("file", blob, "signature.png");
        fetch(canvas.getAttribute("data-upload"), { method: "POST", body: data, credentials: "same-origin",
                                                    headers: { "Accept": "application/json" } })
          .then(function (resp) { return resp.json().then(function (body) { return { ok: resp.ok, body: body }; }); })
          .then(function (result) {
            if (result.ok) { window.location.assign(result.body.url); return; }
            var e = result.body.error || {};
            var fields = e.fields || {};
            error.textContent = Object.keys(fields).map(function (k) { return fields[k]; }).join(" ") || e.message ||
              canvas.getAttribute("data-failed");
          })
          .catch(function () { error.textContent = canvas.getAttribute("data-failed"); });
      }, "image/png");
    });
    blank();
  }

  document.addEventListener("DOMContentLoaded", function () { countdowns(); signaturePad(); });
}());
