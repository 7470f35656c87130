// The signature pad (patients/consent_sign.html): draws with pointer events, so a finger, pen and mouse all work,
// and keeps the drawing as a PNG data URL in the form's hidden "signature" input. Clear empties both.
(() => {
  for (const pad of document.querySelectorAll("[data-signature-pad]")) {
    const canvas = pad.querySelector("canvas");
    const input = pad.querySelector("input[name=signature]");
    const status = pad.querySelector("[data-signature-status]");
    const context = canvas.getContext("2d");
    // The bitmap is sized once, to the pad's width on screen at the device's pixel density; a later resize only
    // scales how it is shown, and point() maps the pointer back onto the bitmap, so a drawing survives a rotation.
    const ratio = window.devicePixelRatio || 1;
    canvas.width = Math.round(canvas.clientWidth * ratio);
    canvas.height = Math.round(canvas.clientHeight * ratio);
    context.lineWidth = 2.5 * ratio;
    context.lineCap = context.lineJoin = "round";
    context.strokeStyle = "#111";
    let drawing = false;

    const point = (event) => {
      const box = canvas.getBoundingClientRect();
      return [(event.clientX - box.left) * (canvas.width / box.width), (event.clientY - box.top) * (canvas.height / box.height)];
    };
    const keep = () => {
      input.value = canvas.toDataURL("image/png");
      status.textContent = "Signature drawn.";
    };

    canvas.addEventListener("pointerdown", (event) => {
      event.preventDefault();
      canvas.setPointerCapture(event.pointerId);
      drawing = true;
      const [x, y] = point(event);
      context.beginPath();
      context.moveTo(x, y);
      context.lineTo(x + 0.1, y);  // a tap leaves a dot
      context.stroke();
    });
    canvas.addEventListener("pointermove", (event) => {
      if (!drawing) return;
      const moves = event.getCoalescedEvents ? event.getCoalescedEvents() : [event];
      for (const move of moves.length ? moves : [event]) context.lineTo(...point(move));
      context.stroke();
    });
    for (const end of ["pointerup", "pointercancel"]) {
      canvas.addEventListener(end, () => {
        if (!drawing) return;
        drawing = false;
        keep();
      });
    }
    pad.querySelector("[data-signature-clear]").addEventListener("click", () => {
      context.clearRect(0, 0, canvas.width, canvas.height);
      input.value = "";
      status.textContent = "Signature cleared.";
    });
    // A form sent back with an error keeps what was drawn: show it again.
    if (input.value.startsWith("data:image/png;base64,")) {
      const image = new Image();
      image.addEventListener("load", () => context.drawImage(image, 0, 0, canvas.width, canvas.height));
      image.src = input.value;
    }
  }
})();
