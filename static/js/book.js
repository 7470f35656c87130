// The appointment book (scheduling/_book.html): drag a block, or move it with the arrow keys from its grip button,
// to another time or column; drag its bottom edge, or Shift with the up and down arrows, to change its length.
// The drop posts the reschedule form's fields to the block's drop URL, which moves it through the same form and
// service as the reschedule page. A refused move snaps back and says why; a move past a referral, an
// authorization or the plan asks first, and goes ahead only when confirmed.
// Loaded as a file (CSP: no inline script); blocks are placed by classes (CSP: no inline style).
(function () {
  "use strict";
  const book = document.querySelector("[data-book]");
  if (!book) return;
  const first = Number(book.dataset.first);
  const rowCount = Number(book.dataset.rows);
  const ROW = 15;
  const refusal = book.querySelector("[data-book-refusal]");
  const status = book.querySelector("[data-book-status]");
  const scroller = book.querySelector(".book-scroll");
  const columns = Array.from(book.querySelectorAll("[data-column]"));
  let csrf = "";
  try { csrf = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; } catch (e) { csrf = ""; }

  const clock = (minute) => String(Math.floor(minute / 60)).padStart(2, "0") + ":" + String(minute % 60).padStart(2, "0");
  const rowOf = (block) => Number(block.dataset.row);
  const LONGEST = 240; // minutes, as the reschedule form allows
  const offset = (block) => { // minutes past its row that the appointment starts (10:10 sits on the 10:00 row)
    const [h, m] = block.dataset.start.split(":").map(Number);
    return ((h * 60 + m - first) % ROW + ROW) % ROW;
  };
  const startOf = (block, row) => clock(first + (row - 1) * ROW + offset(block));
  // The rows a block of `minutes` covers from its row, snapped outwards as grid.place() does.
  const spanFor = (block, minutes) => Math.max(1, Math.ceil((offset(block) + minutes) / ROW));
  const cellAt = (column, row) => {
    // The open cell of the row, or the shaded stretch that covers it.
    for (const cell of column.querySelectorAll(".slot[data-row]")) {
      const top = Number(cell.dataset.row);
      const match = Array.from(cell.classList).find((c) => /^span-\d+$/.test(c));
      const rows = match ? Number(match.slice(5)) : 1;
      if (top <= row && row < top + rows) return cell;
    }
    return null;
  };
  const rowHeight = (column) => column.getBoundingClientRect().height / rowCount;

  function place(block, column, row, minutes) {
    if (block.parentElement !== column) column.appendChild(block);
    Array.from(block.classList).filter((c) => /^(at|span)-\d+$/.test(c)).forEach((c) => block.classList.remove(c));
    block.classList.add("at-" + row, "span-" + spanFor(block, minutes));
  }

  function say(text) { status.textContent = text; }

  function refuse(text) {
    refusal.textContent = text;
    refusal.classList.remove("d-none");
  }

  function describe(change) {
    const { block, column, row, minutes } = change;
    if (change.resizing) {
      const start = first + (row - 1) * ROW + offset(block);
      return block.dataset.name + ": " + clock(start) + "–" + clock(start + minutes) + ", " + minutes + " minutes";
    }
    const cell = cellAt(column, row);
    const shade = cell && cell.classList.contains("closed") ? " (closed)" : cell && cell.classList.contains("off") ? " (time off)" : "";
    return block.dataset.name + ": " + column.dataset.day + " " + startOf(block, row) + ", " + column.dataset.heading + shade;
  }

  // A change under way: the block, where it came from and its length, where it is now and how long; `resizing`
  // when its length is changing (its start stays).
  let moving = null;

  function begin(block, resizing) {
    const minutes = Number(block.dataset.minutes);
    moving = { block, resizing, home: block.parentElement, homeRow: rowOf(block), homeMinutes: minutes,
      column: block.parentElement, row: rowOf(block), minutes };
    block.classList.add("is-moving");
    refusal.classList.add("d-none");
  }

  // Move or stretch the block under way; the length changes by whole rows and stays within ROW to LONGEST minutes.
  function shift(column, row, lengthRows) {
    const { block, homeMinutes } = moving;
    const fewest = Math.min(0, -Math.floor((homeMinutes - ROW) / ROW));
    const most = Math.max(0, Math.floor((LONGEST - homeMinutes) / ROW));
    const minutes = homeMinutes + ROW * Math.max(fewest, Math.min(most, lengthRows));
    row = Math.max(1, Math.min(rowCount - spanFor(block, minutes) + 1, row));
    if (column === moving.column && row === moving.row && minutes === moving.minutes) return;
    Object.assign(moving, { column, row, minutes });
    place(block, column, row, minutes);
  }
  const stretched = () => (moving.minutes - moving.homeMinutes) / ROW;

  function revert(why) {
    if (!moving) return;
    const { block, home, homeRow, homeMinutes } = moving;
    moving = null;
    const grip = block.querySelector("[data-grip]");
    const focused = document.activeElement === grip;
    place(block, home, homeRow, homeMinutes);
    block.classList.remove("is-moving");
    if (why) {
      refuse(why);
      block.classList.add("is-refused");
      setTimeout(() => block.classList.remove("is-refused"), 400);
      say("Not moved. " + why);
    } else {
      say(block.dataset.name + " was not moved.");
    }
    if (focused || why) grip && grip.focus();
  }

  async function post(url, body) {
    try {
      const response = await fetch(url, {
        method: "POST", body, credentials: "same-origin", headers: { "X-CSRFToken": csrf, Accept: "application/json" },
      });
      const answer = await response.json().catch(() => null);
      if (response.ok && answer) return { moved: answer.moved };
      return {
        failed: (answer && answer.errors && answer.errors.join(" ")) || "The appointment was not moved (error " + response.status + ").",
        limits: (answer && answer.limits) || [],
      };
    } catch (e) {
      return { failed: "The appointment was not moved: the server could not be reached." };
    }
  }

  async function commit() {
    if (!moving) return;
    const change = moving;
    const { block, column, row, minutes, home, homeRow, homeMinutes } = change;
    if (column === home && row === homeRow && minutes === homeMinutes) { revert(""); return; }
    const cell = cellAt(column, row);
    const body = new FormData();
    body.append("practitioner", column.dataset.practitioner || block.dataset.practitioner);
    body.append("location", (cell && cell.dataset.location) || block.dataset.location);
    body.append("room", column.hasAttribute("data-by-room") ? column.dataset.room : block.dataset.room);
    body.append("day", column.dataset.day);
    body.append("start", startOf(block, row));
    if (minutes !== homeMinutes) body.append("minutes", String(minutes));
    say((change.resizing ? "Changing " : "Moving ") + describe(change) + "…");
    let answer = await post(block.dataset.dropUrl, body);
    // Past a referral, an authorization or the plan: the question the booking form asks ("Book anyway"), asked here.
    if (answer.limits && answer.limits.length) {
      if (!window.confirm(answer.limits.join("\n") + "\n\nMove it anyway?")) { revert(answer.limits.join(" ")); return; }
      body.append("confirm", "on");
      answer = await post(block.dataset.dropUrl, body);
    }
    if (answer.failed) { revert(answer.failed); return; }
    say(answer.moved);
    window.location.reload(); // the page shows the message and the book as it now is
  }

  // Pointer: mouse and pen from anywhere on a movable block but its links and menu; touch from its grip only, so
  // a finger on a block still scrolls the book. The bottom edge (its resize bar) changes the length, by any pointer.
  let press = null;
  book.addEventListener("pointerdown", (event) => {
    const block = event.target.closest(".appt[data-drop-url]");
    if (!block || event.button !== 0 || moving) return;
    const resizing = Boolean(event.target.closest("[data-resize]"));
    const onGrip = event.target.closest("[data-grip]");
    if (!onGrip && !resizing && (event.pointerType === "touch" || event.target.closest("a, summary, details, form, input, button"))) return;
    const rect = block.getBoundingClientRect();
    press = { block, resizing, x: event.clientX, y: event.clientY, grab: Math.floor((event.clientY - rect.top) / rowHeight(block.parentElement)), id: event.pointerId };
  });
  book.addEventListener("pointermove", (event) => {
    if (!press || event.pointerId !== press.id) return;
    if (!moving) {
      if (Math.abs(event.clientX - press.x) + Math.abs(event.clientY - press.y) < 5) return;
      begin(press.block, press.resizing);
      press.block.setPointerCapture(event.pointerId);
    }
    event.preventDefault();
    if (moving.resizing) {
      shift(moving.column, moving.row, Math.round((event.clientY - press.y) / rowHeight(moving.column)));
    } else {
      const column = columns.find((c) => { const r = c.getBoundingClientRect(); return r.left <= event.clientX && event.clientX < r.right; }) || moving.column;
      const top = column.getBoundingClientRect().top;
      shift(column, Math.floor((event.clientY - top) / rowHeight(column)) + 1 - press.grab, 0);
    }
    // Over the column headings or the box's bottom edge, scroll the book.
    const box = scroller.getBoundingClientRect();
    const head = book.querySelector(".book-head").getBoundingClientRect().height;
    if (event.clientY > box.bottom - 12) scroller.scrollTop += 14;
    else if (event.clientY < box.top + head) scroller.scrollTop -= 14;
  });
  const release = (event) => {
    if (!press || event.pointerId !== press.id) return;
    press = null;
    if (moving) {
      if (event.type === "pointercancel") revert("");
      else commit();
    }
  };
  book.addEventListener("pointerup", release);
  book.addEventListener("pointercancel", release);

  // Keys, on a block's grip: arrows move it (up and down by a row, left and right a column), Shift with up and
  // down makes it shorter or longer by a row; Enter keeps the change, Escape puts it back.
  book.addEventListener("keydown", (event) => {
    const grip = event.target.closest("[data-grip]");
    if (!grip) return;
    const block = grip.closest(".appt");
    const steps = { ArrowUp: [0, -1], ArrowDown: [0, 1], ArrowLeft: [-1, 0], ArrowRight: [1, 0] };
    const resizing = event.shiftKey && (event.key === "ArrowUp" || event.key === "ArrowDown");
    if (event.key in steps) {
      event.preventDefault();
      if (moving && moving.block !== block) return;
      if (moving && moving.resizing !== resizing) revert(""); // a move and a change of length are made one at a time
      if (!moving) begin(block, resizing);
      const [dx, dy] = steps[event.key];
      if (resizing) shift(moving.column, moving.row, stretched() + dy);
      else shift(columns[Math.max(0, Math.min(columns.length - 1, columns.indexOf(moving.column) + dx))], moving.row + dy, 0);
      grip.focus();
      grip.scrollIntoView({ block: "nearest", inline: "nearest" });
      say(describe(moving) + ". Enter to keep it, Escape to leave it.");
    } else if (event.key === "Enter" && moving && moving.block === block) {
      event.preventDefault();
      commit();
    } else if (event.key === "Escape" && moving && moving.block === block) {
      event.preventDefault();
      revert("");
    }
  });
  // A click on the grip (not a drag) says how to use it.
  book.addEventListener("click", (event) => {
    if (event.target.closest("[data-grip]") && !moving) say(document.getElementById("book-help").textContent);
  });

  // Open at the working day: the first open time or appointment at the top of the box.
  const marks = Array.from(book.querySelectorAll("a.slot.open, .slot.past, .appt"));
  if (marks.length && scroller.scrollTop === 0) {
    const top = Math.min(...marks.map((el) => el.offsetTop));
    scroller.scrollTop = Math.max(0, top - 8);
  }
})();
