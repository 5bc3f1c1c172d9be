// Haven's own script: small, no inline handlers (the CSP forbids them), and every page
// works without it. htmx fetches the type-ahead results; this file removes rows in place
// and lets people place body-map marks by click, tap or keyboard.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  const SVG_NS = "http://www.w3.org/2000/svg";
  const WIDTH = 200;
  const HEIGHT = 400;
  const STEP = 5;

  document.addEventListener("click", function (event) {
    const remover = event.target.closest("[data-remove]");
    if (remover) {
      event.preventDefault();
      const row = remover.closest(remover.dataset.remove);
      const map = document.querySelector("[data-bodymap]");
      row.remove();
      if (map && row.hasAttribute("data-mark-row")) redrawMarks(map);
      return;
    }
    const adder = event.target.closest("[data-add-mark]");
    if (adder) {
      event.preventDefault();
      const map = document.querySelector("[data-bodymap]");
      if (map) addMark(map, "front", 500, 500);
    }
  });

  function addMark(map, side, x, y) {
    const template = document.getElementById("mark-row-template");
    const rows = document.getElementById("mark-rows");
    const number = rows.querySelectorAll("[data-mark-row]").length + 1;
    const html = template.innerHTML.replaceAll("__n__", String(number)).replaceAll("__i__", String(number - 1));
    rows.insertAdjacentHTML("beforeend", html);
    const row = rows.lastElementChild;
    row.querySelector("[name=mark_side]").value = side;
    row.querySelector("[name=mark_x]").value = String(x);
    row.querySelector("[name=mark_y]").value = String(y);
    redrawMarks(map);
    row.querySelector("[name=mark_kind]").focus();
  }

  // Markers are drawn from the rows, so the rows stay the single source of truth.
  function redrawMarks(map) {
    map.querySelectorAll(".marker").forEach(function (marker) { marker.remove(); });
    const rows = document.querySelectorAll("#mark-rows [data-mark-row]");
    rows.forEach(function (row, index) {
      const number = String(index + 1);
      row.querySelector(".mark-number").textContent = number;
      const side = row.querySelector("[name=mark_side]").value;
      const svg = map.querySelector('svg[data-side="' + side + '"]');
      if (!svg) return;
      const cx = (Number(row.querySelector("[name=mark_x]").value) / 1000) * WIDTH;
      const cy = (Number(row.querySelector("[name=mark_y]").value) / 1000) * HEIGHT;
      const group = document.createElementNS(SVG_NS, "g");
      group.setAttribute("class", "marker");
      const circle = document.createElementNS(SVG_NS, "circle");
      circle.setAttribute("cx", cx); circle.setAttribute("cy", cy); circle.setAttribute("r", "9");
      const label = document.createElementNS(SVG_NS, "text");
      label.setAttribute("x", cx); label.setAttribute("y", cy); label.setAttribute("dy", "4");
      label.textContent = number;
      group.append(circle, label);
      svg.append(group);
    });
  }

  function toStored(svg, clientX, clientY) {
    const point = svg.createSVGPoint();
    point.x = clientX; point.y = clientY;
    const local = point.matrixTransform(svg.getScreenCTM().inverse());
    return {
      x: Math.round(Math.min(Math.max(local.x / WIDTH, 0), 1) * 1000),
      y: Math.round(Math.min(Math.max(local.y / HEIGHT, 0), 1) * 1000),
    };
  }

  function setUpBodyMap(map) {
    map.querySelectorAll("svg[data-side]").forEach(function (svg) {
      const side = svg.dataset.side;
      const cross = svg.querySelector(".crosshair");
      svg.addEventListener("click", function (event) {
        const at = toStored(svg, event.clientX, event.clientY);
        addMark(map, side, at.x, at.y);
      });
      svg.addEventListener("keydown", function (event) {
        let x = Number(cross.getAttribute("cx"));
        let y = Number(cross.getAttribute("cy"));
        const moves = { ArrowLeft: [-STEP, 0], ArrowRight: [STEP, 0], ArrowUp: [0, -STEP], ArrowDown: [0, STEP] };
        if (moves[event.key]) {
          event.preventDefault();
          x = Math.min(Math.max(x + moves[event.key][0], 0), WIDTH);
          y = Math.min(Math.max(y + moves[event.key][1], 0), HEIGHT);
          cross.setAttribute("cx", x); cross.setAttribute("cy", y);
        } else if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          addMark(map, side, Math.round((x / WIDTH) * 1000), Math.round((y / HEIGHT) * 1000));
        }
      });
    });
    document.getElementById("mark-rows").addEventListener("change", function () { redrawMarks(map); });
  }

  // htmx leaves the page as it was when a request fails; say so where the results go, so
  // someone typing a name is not left waiting (the Search button still works without it).
  document.addEventListener("htmx:responseError", function (event) { showFailure(event, false); });
  document.addEventListener("htmx:sendError", function (event) { showFailure(event, true); });

  function showFailure(event, offline) {
    const target = event.detail.target;
    if (!target) return;
    const item = document.createElement("li");
    item.className = "error";
    item.setAttribute("role", "alert");
    item.textContent = offline
      ? "Haven could not be reached. Check your connection and try again."
      : "That did not work. Try the Search button; if that fails too, copy what you have written and sign in again.";
    target.replaceChildren(item);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-bodymap]").forEach(setUpBodyMap);
  });
})();
