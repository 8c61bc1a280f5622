// Live eligibility on the RMA filing form (progressive enhancement; the server checks again on submit).
(function () {
  var form = document.getElementById("rma-form");
  if (!form) { return; }
  var url = form.getAttribute("data-eligibility-url");
  var token = document.getElementById("csrf-token").value;
  var timer = null;

  function lineData(card) {
    var i = card.getAttribute("data-index"), p = "lines-" + i + "-", get = function (n) {
      var el = form.elements[p + n]; return el ? el : null;
    };
    var data = {sku: get("sku").value.trim(), quantity: parseInt(get("quantity").value || "1", 10),
                issue: get("issue").value, serial: get("serial").value.trim(), description: get("description").value};
    ["production_date", "purchase_date", "sale_date", "received_date"].forEach(function (d) {
      if (get(d).value) { data[d] = get(d).value; }
    });
    ["opened", "installed", "sample", "special_order", "scrap", "mixed_brand", "whole_unit"].forEach(function (f) {
      data[f] = get(f).checked;
    });
    data.label_intact = !get("label_torn").checked;
    return data;
  }

  function show(card, html) { card.querySelector(".eligibility").innerHTML = html; }
  function esc(s) { var d = document.createElement("div"); d.textContent = s; return d.innerHTML; }

  function check() {
    var cards = Array.prototype.slice.call(form.querySelectorAll("#lines .rma-line")).filter(function (c) {
      return lineData(c).sku;
    });
    if (!cards.length) { return; }
    var body = {lines: cards.map(lineData)};
    if (form.elements.dealer_code && form.elements.dealer_code.value) { body.dealer_code = form.elements.dealer_code.value; }
    fetch(url, {method: "POST", credentials: "same-origin",
                headers: {"Content-Type": "application/json", "X-CSRFToken": token}, body: JSON.stringify(body)})
      .then(function (r) { return r.json().then(function (j) { return [r.status, j]; }); })
      .then(function (res) {
        if (res[0] !== 200) {
          var f = (res[1].error && res[1].error.fields) || {};
          cards.forEach(function (c, i) {
            var msgs = Object.keys(f).filter(function (k) { return k.indexOf("lines." + i + ".") === 0; })
              .map(function (k) { return f[k]; });
            show(c, msgs.length ? '<div class="alert alert-warning py-1 mb-0">' + esc(msgs.join("; ")) + "</div>" : "");
          });
          return;
        }
        res[1].lines.forEach(function (l, i) {
          var e = l.eligibility, cls = e.accepted ? (e.warnings.length ? "alert-warning" : "alert-success") : "alert-danger";
          // no warranty date: "unknown", never "out of warranty"; a refused line gets no tick
          var head = (!e.warranty_start ? "? " + form.getAttribute("data-unknown-warranty") :
                      e.in_warranty ? (e.accepted ? "✔ " : "") + form.getAttribute("data-in-warranty") :
                      "✘ " + form.getAttribute("data-out-warranty")) +
            (e.warranty_start ? ": " + e.warranty_start + " → " + e.warranty_end : "");
          show(cards[i], '<div class="alert ' + cls + ' py-1 mb-0">' + esc(head) +
               (e.messages.length ? "<br>" + e.messages.map(esc).join("<br>") : "") + "</div>");
        });
      }).catch(function () {});
  }

  form.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(check, 400); });
  form.addEventListener("change", function () { clearTimeout(timer); timer = setTimeout(check, 100); });
  // "Add a line" starts from an empty line (the server-rendered template), never a copy of the last one.
  document.getElementById("add-line").addEventListener("click", function () {
    var n = 0;
    form.querySelectorAll(".rma-line").forEach(function (c) {
      n = Math.max(n, parseInt(c.getAttribute("data-index"), 10) + 1);
    });
    var tpl = document.getElementById("line-template").innerHTML.split("__i__").join(String(n));
    var holder = document.createElement("div");
    holder.innerHTML = tpl;
    document.getElementById("lines").appendChild(holder.firstElementChild);
  });
  form.addEventListener("click", function (ev) {
    var button = ev.target.closest(".remove-line");
    if (!button) { return; }
    var card = button.closest(".rma-line");
    if (form.querySelectorAll("#lines .rma-line").length > 1) { card.remove(); } else {
      card.querySelectorAll("input").forEach(function (el) {
        if (el.type === "checkbox") { el.checked = false; } else { el.value = el.type === "number" ? "1" : ""; }
      });
      show(card, "");
    }
    clearTimeout(timer); timer = setTimeout(check, 100);
  });
  check();
})();
