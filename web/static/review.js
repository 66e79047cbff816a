// Reviewer's workbench: focus a field to see its box on the page; Enter saves (or confirms) and moves on,
// Tab jumps to the next unresolved field (past the end: the usual order),
// Ctrl+Enter approves and opens the next result (asking once to confirm the fields left as read), Esc restores
// the value, Shift+? shows the keys.
// Keys pressed while an input method (Telex, VNI) is composing a letter are left to it.
(() => {
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const bench = document.getElementById("bench");
  const code = bench.dataset.code;
  const say = (text) => { document.getElementById("say").textContent = text; };
  const rows = () => [...document.querySelectorAll("li.field")];
  const boxOf = (row) => document.querySelector(`rect.box[data-ref="${CSS.escape(row.dataset.ref)}"]`);
  const problem = async (response) => { try { return (await response.json()).error.message; } catch { return `Lỗi ${response.status}`; } };
  const send = (method, url, body) => fetch(url, {
    method, credentials: "same-origin", headers: { "X-CSRF-Token": csrf, "Content-Type": "application/json" },
    body: JSON.stringify(body ?? {}),
  });
  const composing = (event) => event.isComposing || event.keyCode === 229;

  let drawing = null; // the re-read box being drawn (see below)
  let drewAt = 0;
  let current = null; // the field the reviewer last focused: a clicked word goes there
  function focusBox(row) {
    current = row;
    document.querySelectorAll("rect.box.active").forEach((r) => r.classList.remove("active"));
    rows().forEach((r) => r.classList.toggle("active", r === row));
    const box = boxOf(row);
    if (box) { box.classList.add("active"); box.scrollIntoView({ block: "center", inline: "center" }); }
  }

  function nextUnresolved(after) {
    const all = rows();
    const start = all.indexOf(after);
    const order = [...all.slice(start + 1), ...all.slice(0, start + 1)];
    return order.find((r) => r.dataset.status === "needs_review");
  }

  function updateLeft() {
    const left = rows().filter((r) => r.dataset.status === "needs_review").length;
    document.querySelector("#left strong").textContent = left;
    return left;
  }

  async function save(row) {
    const input = row.querySelector("input.value");
    const field = encodeURIComponent(row.dataset.ref);
    const seen = Number(row.dataset.version);
    const response = await send("PUT", `/api/v1/review/${code}/fields/${field}`, { value: input.value, seen });
    if (!response.ok) { say(`Không lưu được ${row.querySelector("label").textContent}: ${await problem(response)}`); return false; }
    const done = await response.json();
    if (done.changed) row.dataset.version = String(seen + 1);
    const confirmed = input.value === input.dataset.original;
    input.dataset.original = input.value;
    row.dataset.status = "corrected";
    row.className = "field status-corrected active";
    row.querySelector(".status").textContent = confirmed ? "✎ Đã xác nhận" : "✎ Đã sửa";
    const box = boxOf(row);
    if (box) box.setAttribute("class", "box status-corrected");
    say(`${row.querySelector("label").textContent}: ${confirmed ? "đã xác nhận" : "đã lưu giá trị mới"}. Còn ${updateLeft()} trường cần xem.`);
    return true;
  }

  async function saveAndMove(row) {
    if (!(await save(row))) return;
    const next = nextUnresolved(row);
    if (next) next.querySelector("input.value").focus();
    else (document.getElementById("approve") || document.getElementById("left")).focus?.();
  }

  // Ctrl+Enter with fields still doubtful: one dialog lists them, Enter confirms them as read and approves
  // (the server records them as forced), Esc goes back. A field that breaks a rule is never confirmed this way.
  const confirmAll = document.getElementById("confirm-all");
  function approveOrAsk() {
    const left = rows().filter((r) => r.dataset.status === "needs_review");
    if (!left.length) { approve(false); return; }
    const broken = left.find((r) => "breaksRule" in r.dataset);
    if (broken) {
      broken.querySelector("input.value").focus();
      say(`${broken.querySelector("label").textContent} sai quy tắc kiểm tra: sửa hoặc xác nhận riêng (Enter) trước khi phê duyệt.`);
      return;
    }
    const list = document.getElementById("confirm-all-list");
    list.replaceChildren(...left.map((r) => {
      const item = document.createElement("li");
      item.textContent = `${r.querySelector("label").textContent}: «${r.querySelector("input.value").dataset.original}»`;
      return item;
    }));
    confirmAll.showModal();
    document.getElementById("confirm-all-yes").focus();
  }
  document.getElementById("confirm-all-yes").addEventListener("click", () => { confirmAll.close(); approve(true); });
  document.getElementById("confirm-all-no").addEventListener("click", () => confirmAll.close());

  async function approve(force) {
    const response = await send("POST", `/api/v1/review/${code}/approve`, force ? { force: true } : {});
    if (!response.ok) { say(`Chưa phê duyệt được: ${await problem(response)}`); return; }
    const done = await response.json();
    say(done.publish_problem ? `Đã phê duyệt; chưa công bố được: ${done.publish_problem}` : "Đã phê duyệt.");
    if (!done.publish_problem) window.location.assign(bench.dataset.next ? `/review/${bench.dataset.next}${bench.dataset.filter}` : `/review${bench.dataset.filter}`);
  }

  for (const row of rows()) {
    const input = row.querySelector("input.value");
    input.addEventListener("focus", () => focusBox(row));
    input.addEventListener("keydown", (event) => {
      if (composing(event)) return;
      if (event.key === "Enter" && !event.ctrlKey && !event.metaKey) { event.preventDefault(); saveAndMove(row); }
      else if (event.key === "Tab" && !event.shiftKey) {
        const next = nextUnresolved(row);
        if (next && rows().indexOf(next) > rows().indexOf(row)) { event.preventDefault(); next.querySelector("input.value").focus(); }
      } else if (event.key === "Escape") { event.preventDefault(); input.value = input.dataset.original; say("Đã hủy sửa."); }
    });
    row.querySelector("button.confirm").addEventListener("click", () => { input.value = input.dataset.original; saveAndMove(row); });
    row.querySelector("button.save").addEventListener("click", () => saveAndMove(row));
  }
  document.querySelectorAll("rect.box").forEach((box) => box.addEventListener("click", () => {
    rows().find((r) => r.dataset.ref === box.dataset.ref)?.querySelector("input.value").focus();
  }));

  document.querySelectorAll("rect.word").forEach((word) => word.addEventListener("click", (event) => {
    if (drawing || Date.now() - drewAt < 500) return; // the end of a drawn box, not a word picked
    if (!current) { say("Chọn một trường trước, rồi bấm chữ trên ảnh."); return; }
    const input = current.querySelector("input.value");
    const text = word.dataset.text;
    input.value = event.shiftKey && input.value ? `${input.value} ${text}` : text;
    input.focus();
    say(`${current.querySelector("label").textContent}: «${input.value}» (Enter để lưu, Esc để hủy).`);
  }));

  // Re-read: after "Khoanh vùng đọc lại", a box dragged on a page is read again; its text fills the field.
  const toImage = (svg, event) => {
    const point = svg.createSVGPoint();
    point.x = event.clientX; point.y = event.clientY;
    const at = point.matrixTransform(svg.getScreenCTM().inverse());
    return [Math.round(at.x), Math.round(at.y)];
  };
  for (const row of rows()) {
    row.querySelector("button.reread").addEventListener("click", () => {
      current = row;
      drawing = { row };
      document.body.classList.add("drawing");
      say(`Kéo chuột trên ảnh quanh chữ của ${row.querySelector("label").textContent} để đọc lại.`);
    });
  }
  document.querySelectorAll("svg.page-svg").forEach((svg) => {
    svg.addEventListener("pointerdown", (event) => {
      if (!drawing) return;
      event.preventDefault();
      const [x, y] = toImage(svg, event);
      const rect = document.createElementNS("http://www.w3.org/2000/svg", "rect");
      rect.setAttribute("class", "drawn");
      svg.appendChild(rect);
      Object.assign(drawing, { svg, x, y, rect });
      svg.setPointerCapture(event.pointerId);
    });
    svg.addEventListener("pointermove", (event) => {
      if (!drawing?.rect || drawing.svg !== svg) return;
      const [x, y] = toImage(svg, event);
      const r = drawing.rect;
      r.setAttribute("x", Math.min(x, drawing.x)); r.setAttribute("y", Math.min(y, drawing.y));
      r.setAttribute("width", Math.abs(x - drawing.x)); r.setAttribute("height", Math.abs(y - drawing.y));
    });
    svg.addEventListener("pointerup", async (event) => {
      if (!drawing?.rect || drawing.svg !== svg) return;
      const { row, x, y, rect } = drawing;
      const [x2, y2] = toImage(svg, event);
      drawing = null;
      drewAt = Date.now();
      document.body.classList.remove("drawing");
      const bbox = [Math.min(x, x2), Math.min(y, y2), Math.max(x, x2), Math.max(y, y2)];
      say("Đang đọc lại vùng đã khoanh…");
      const response = await send("POST", `/api/v1/review/${code}/reread`, { page: Number(svg.dataset.page), bbox });
      rect.remove();
      if (!response.ok) { say(`Không đọc lại được: ${await problem(response)}`); return; }
      const done = await response.json();
      const input = row.querySelector("input.value");
      input.value = done.text;
      input.focus();
      say(`Đọc lại: «${done.text}» (tin cậy ${Math.round(done.confidence * 100)}%). Enter để lưu, Esc để hủy.`);
    });
  });

  const help = document.getElementById("help");
  const toggleHelp = () => (help.open ? help.close() : help.showModal());
  document.getElementById("help-open").addEventListener("click", toggleHelp);
  document.getElementById("help-close").addEventListener("click", () => help.close());
  document.addEventListener("keydown", (event) => {
    if (composing(event)) return;
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); if (!confirmAll.open) approveOrAsk(); }
    else if (event.key === "?" && event.shiftKey && !event.target.matches?.("textarea")) { event.preventDefault(); toggleHelp(); }
  });
  document.getElementById("approve")?.addEventListener("click", approveOrAsk);
  document.getElementById("reject").addEventListener("click", async () => {
    const reason = document.getElementById("reject-reason").value.trim();
    if (!reason) { say("Cần ghi lý do trả lại."); return; }
    const response = await send("POST", `/api/v1/review/${code}/reject`, { reason });
    if (!response.ok) { say(`Không trả lại được: ${await problem(response)}`); return; }
    window.location.assign("/review");
  });

  const first = rows().find((r) => r.dataset.status === "needs_review");
  if (first) first.querySelector("input.value").focus();
})();
