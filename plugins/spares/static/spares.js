// Spare-part application form: add and remove part rows; the return picker asks the server as you type.
// Progressive enhancement: without it the form still posts its rows and the return number.
(function () {
  var form = document.getElementById("spares-application-form");
  if (!form) { return; }
  var body = document.querySelector("#spares-lines tbody");

  function renumber() {
    body.querySelectorAll(".spares-line").forEach(function (row, i) {
      row.querySelectorAll("[name]").forEach(function (el) {
        el.setAttribute("name", el.getAttribute("name").replace(/^lines-\d+-/, "lines-" + i + "-"));
      });
    });
  }

  document.getElementById("spares-add-line").addEventListener("click", function () {
    var rows = body.querySelectorAll(".spares-line");
    var row = rows[rows.length - 1].cloneNode(true);  // an empty line, not a copy of the last one
    row.querySelectorAll("input").forEach(function (el) { el.value = ""; el.classList.remove("is-invalid"); });
    row.querySelectorAll(".invalid-feedback").forEach(function (el) { el.remove(); });
    body.appendChild(row);
    renumber();
    row.querySelector("input").focus();
  });

  body.addEventListener("click", function (event) {
    var button = event.target.closest(".spares-remove-line");
    if (!button) { return; }
    var row = button.closest(".spares-line");
    if (body.querySelectorAll(".spares-line").length > 1) {
      row.remove();
      renumber();
    } else {
      row.querySelectorAll("input").forEach(function (el) { el.value = ""; });
    }
  });

  var rma = form.elements.rma_number, list = document.getElementById("spares-rmas"), timer = null;
  if (!rma || !list) { return; }
  function lookup() {
    var url = rma.getAttribute("data-lookup-url") + "?q=" + encodeURIComponent(rma.value.trim());
    if (form.elements.dealer_code && form.elements.dealer_code.value) {
      url += "&dealer=" + encodeURIComponent(form.elements.dealer_code.value);
    }
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : {items: []}; })
      .then(function (data) {
        list.textContent = "";
        data.items.forEach(function (item) {
          var option = document.createElement("option");
          option.value = item.number;
          list.appendChild(option);
        });
      }).catch(function () {});
  }
  rma.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(lookup, 250); });
  rma.addEventListener("focus", lookup);
})();
