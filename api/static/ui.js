// hankekg UI enhancements. Everything works without this script; it adds:
// - the SPARQL editor runs queries in place (POST /sparql) and loads examples without a reload,
// - Ctrl+Enter (Cmd+Enter) runs the query,
// - the download links follow the query being edited.
"use strict";
(function () {
  function $(sel, root) { return (root || document).querySelector(sel); }

  function setupSparql() {
    var form = $("#sparql-form");
    if (!form) return;
    var editor = $("#query");
    var box = $("#results");
    var body = $("#results-body");
    var msg = box.dataset;

    function syncDownloads() {
      var q = encodeURIComponent(editor.value);
      $("#dl-csv").href = "/sparql-ui/download?format=csv&query=" + q;
      $("#dl-json").href = "/sparql-ui/download?format=json&query=" + q;
    }

    // As the server-rendered page: a value shows at most 1000 characters.
    function shown(value) {
      return value.length > 1000 ? value.slice(0, 1000) + "\u2026" : value;
    }

    function cell(term) {
      var td = document.createElement("td");
      if (!term) return td;
      var href = term.type === "uri" ? safeHref(localHref(term.value)) : null;
      if (href) {
        var a = document.createElement("a");
        a.href = href;
        a.textContent = shown(term.value);
        td.appendChild(a);
      } else {
        td.textContent = shown(term.value);
        if (term["xml:lang"]) td.lang = term["xml:lang"];
      }
      return td;
    }

    // Only http(s) URLs and this site's own paths become links (as the server's
    // safe_url filter decides); "javascript:", "data:" and the like stay text.
    function safeHref(value) {
      if (/[\x00-\x20\x7f-\x9f\\]/.test(value)) return null;
      if (value.charAt(0) === "/" && value.charAt(1) !== "/") return value;
      return /^https?:\/\/[^\/?#]/i.test(value) ? value : null;
    }

    // IRIs minted here open their UI page; others open as they are.
    function localHref(iri) {
      var m = iri.match(/\/id\/(project|organisation|place|theme)\/([^/?#]+)$/);
      if (m) return "/" + m[1] + "/" + m[2];
      m = iri.match(/^http:\/\/www\.yso\.fi\/onto\/yso\/(p\d+)$/);
      if (m) return "/theme/" + m[1];
      return iri;
    }

    function showError(text) {
      body.textContent = "";
      var div = document.createElement("div");
      div.className = "error";
      div.setAttribute("role", "alert");
      var strong = document.createElement("strong");
      strong.textContent = msg.msgError + ": ";
      var span = document.createElement("span");
      span.className = "detail";
      span.textContent = text;
      div.appendChild(strong);
      div.appendChild(span);
      body.appendChild(div);
    }

    function showTruncated(rows) {
      var p = document.createElement("p");
      p.className = "truncated";
      p.setAttribute("role", "status");
      // cut by bytes, the answer holds fewer rows than the row limit: say how many
      p.textContent = rows === undefined ? msg.msgTruncated : msg.msgTruncatedRows.replace("{n}", rows);
      body.appendChild(p);
    }

    function showTable(data, truncated) {
      body.textContent = "";
      if (typeof data.boolean === "boolean") {
        var p = document.createElement("p");
        p.className = "answer";
        p.textContent = data.boolean ? msg.msgTrue : msg.msgFalse;
        body.appendChild(p);
        return;
      }
      var vars = data.head.vars || [];
      var rows = data.results.bindings || [];
      var count = document.createElement("p");
      count.className = "count";
      count.textContent = msg.msgRows.replace("{n}", rows.length);
      body.appendChild(count);
      if (truncated) showTruncated(rows.length);
      var wrap = document.createElement("div");
      wrap.className = "table-wrap";
      var table = document.createElement("table");
      table.className = "results-table";
      var tr = document.createElement("tr");
      vars.forEach(function (v) {
        var th = document.createElement("th");
        th.scope = "col";
        th.textContent = v;
        tr.appendChild(th);
      });
      var thead = document.createElement("thead");
      thead.appendChild(tr);
      table.appendChild(thead);
      var tbody = document.createElement("tbody");
      rows.forEach(function (b) {
        var row = document.createElement("tr");
        vars.forEach(function (v) { row.appendChild(cell(b[v])); });
        tbody.appendChild(row);
      });
      table.appendChild(tbody);
      wrap.appendChild(table);
      body.appendChild(wrap);
    }

    function run(event) {
      if (event) event.preventDefault();
      syncDownloads();
      body.textContent = msg.msgRunning;
      box.setAttribute("aria-busy", "true");
      fetch(form.dataset.endpoint, {
        method: "POST",
        headers: { "Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json, text/turtle;q=0.5" },
        body: editor.value
      }).then(function (response) {
        var type = response.headers.get("content-type") || "";
        var truncated = response.headers.get("X-Result-Truncated") === "true";
        if (!response.ok) {
          return response.json().then(function (p) { showError(p.detail || p.title || String(response.status)); },
            function () { showError(response.status + " " + response.statusText); });
        }
        if (type.indexOf("json") >= 0) {
          return response.json().then(function (data) { showTable(data, truncated); });
        }
        return response.text().then(function (text) {
          body.textContent = "";
          var p = document.createElement("p");
          p.textContent = msg.msgGraph;
          var pre = document.createElement("pre");
          pre.className = "graph";
          pre.textContent = text;
          body.appendChild(p);
          if (truncated) showTruncated();
          body.appendChild(pre);
        });
      }).catch(function (err) { showError(String(err)); })
        .finally(function () { box.removeAttribute("aria-busy"); });
      if (window.history && history.replaceState) {
        history.replaceState(null, "", "/sparql-ui?query=" + encodeURIComponent(editor.value));
      }
    }

    form.addEventListener("submit", run);
    editor.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) run(e);
    });
    editor.addEventListener("input", syncDownloads);
    document.querySelectorAll("[data-example]").forEach(function (link) {
      link.addEventListener("click", function (e) {
        var tpl = document.getElementById("example-" + link.dataset.example);
        if (!tpl) return;
        e.preventDefault();
        editor.value = tpl.content.textContent;
        document.querySelectorAll("[data-example]").forEach(function (l) { l.removeAttribute("aria-current"); });
        link.setAttribute("aria-current", "true");
        syncDownloads();
        run();
        editor.focus();
      });
    });
  }

  document.addEventListener("DOMContentLoaded", setupSparql);
})();
