// The Today board refreshes itself (hx-trigger "every 60s, refresh" on #today-board). A refresh replaces the
// board, so it waits while the desk is in the middle of something there: focus in a form or on the board (a
// keyboard user would be thrown back to the top), a <details> menu open, or the tab hidden (nobody is looking;
// the board catches up as the tab comes back). A file, not an hx-trigger filter: htmx evals filters, and the
// CSP forbids eval.
(function () {
  "use strict";
  const board = document.getElementById("today-board");
  if (!board) return;
  function busy() {
    const focus = document.activeElement;
    const focused = focus && focus !== document.body && (board.contains(focus) || focus.closest("form"));
    return document.hidden || Boolean(focused) || document.querySelector("details[open]") !== null;
  }
  // A check-in's own request (from a form on the board) bubbles here too: only the board's refresh is handled.
  board.addEventListener("htmx:beforeRequest", (event) => {
    if (event.detail.elt === board && busy()) event.preventDefault();
  });
  board.addEventListener("htmx:configRequest", (event) => {
    // Nobody's work: the refresh leaves the session's idle timer alone (IdleSessionMiddleware).
    if (event.detail.elt === board) event.detail.headers["X-Fascia-Auto-Refresh"] = "true";
  });
  board.addEventListener("htmx:beforeSwap", (event) => {
    // Signed out meanwhile (idle), the refresh was answered by the login page: show it as a page, not in the board.
    if (event.detail.elt === board && new URL(event.detail.xhr.responseURL).pathname !== location.pathname) {
      event.detail.shouldSwap = false;
      location.reload();
    }
  });
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden) htmx.trigger(board, "refresh");
  });
})();
