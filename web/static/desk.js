// Reception desk: choose or drop files, see each page with its reception-check verdict, rescan one page,
// submit, go to the receipt.
// Talks to /api/v1 with the session's CSRF token; a few lines of plain JavaScript, no build step.
(() => {
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const form = document.getElementById("dossier");
  const input = document.getElementById("files");
  const drop = document.getElementById("drop");
  const chosen = document.getElementById("chosen");
  const pages = document.getElementById("pages");
  const progress = document.getElementById("progress");
  const submit = document.getElementById("submit");
  let files = [];

  const say = (text) => { progress.textContent = text; };
  const body = (list) => { const data = new FormData(); list.forEach((f) => data.append("files", f, f.name)); return data; };
  const post = (url, data) => fetch(url, { method: "POST", body: data, headers: { "X-CSRF-Token": csrf }, credentials: "same-origin" });
  const problem = async (response) => { try { return (await response.json()).error.message; } catch { return `Lỗi ${response.status}`; } };

  function verdict(page) {
    const errors = page.findings.filter((f) => f.severity === "error");
    const warnings = page.findings.filter((f) => f.severity === "warning");
    if (errors.length) return ["bad", `✘ Trang ${page.number}: ${errors.map((f) => f.message).join("; ")}. Vui lòng quét lại.`];
    if (warnings.length) return ["warn", `⚠ Trang ${page.number}: ${warnings.map((f) => f.message).join("; ")}`];
    return ["ok", `✔ Trang ${page.number}: đạt yêu cầu`];
  }

  let report = null;
  let pending = null; // the page a rescan is for
  const rescanInput = document.getElementById("rescan-file");

  function render() {
    pages.replaceChildren();
    for (const page of report.pages) {
      const [kind, text] = verdict(page);
      const item = document.createElement("li");
      const img = Object.assign(document.createElement("img"), { src: page.thumbnail, alt: `Trang ${page.number} (${page.source})` });
      const p = Object.assign(document.createElement("p"), { className: `verdict ${kind}`, textContent: text });
      const again = Object.assign(document.createElement("button"), { type: "button", className: "secondary", textContent: `Quét lại trang ${page.number}` });
      again.addEventListener("click", () => { pending = page; rescanInput.click(); });
      item.append(img, p, again);
      pages.append(item);
    }
    report.rescan = report.pages.filter((p) => p.rescan).map((p) => p.number);
    const bad = report.rescan.length;
    say(bad ? `${report.pages.length} trang; ${bad} trang cần quét lại (vẫn có thể nộp).` : `${report.pages.length} trang, tất cả đạt yêu cầu.`);
    submit.disabled = false;
  }

  async function check() {
    chosen.replaceChildren(...files.map((f) => Object.assign(document.createElement("li"), { textContent: `${f.name} (${(f.size / 1024).toLocaleString("vi-VN", { maximumFractionDigits: 0 })} KB)` })));
    pages.replaceChildren();
    submit.disabled = true;
    if (!files.length) { say(""); return; }
    say("Đang kiểm tra các trang…");
    const response = await post("/api/v1/check", body(files));
    if (!response.ok) { say(await problem(response)); return; }
    report = await response.json();
    render();
  }

  // One page scanned again: its own check (numbered as in the dossier) and, for a page inside a
  // multi-page file, that file rebuilt by the server with the page swapped; the other pages stay as they are.
  async function rescan(page, scan) {
    submit.disabled = true;
    say(`Đang kiểm tra bản quét lại của trang ${page.number}…`);
    const checked = post(`/api/v1/check?first_page=${page.number}`, body([scan]));
    const holder = files[page.source_index];
    let replaced = scan;
    if (report.pages.filter((p) => p.source_index === page.source_index).length > 1) {
      const data = body([]);
      data.append("file", holder, holder.name);
      data.append("replacement", scan, scan.name);
      data.append("page", String(page.source_page));
      const rebuilt = await post("/api/v1/pages/replace", data);
      if (!rebuilt.ok) { say(await problem(rebuilt)); submit.disabled = false; return; }
      replaced = new File([await rebuilt.blob()], holder.name, { type: rebuilt.headers.get("content-type") });
    }
    const response = await checked;
    if (!response.ok) { say(await problem(response)); submit.disabled = false; return; }
    const fresh = (await response.json()).pages[0];
    files[page.source_index] = replaced;
    report.pages[page.number - 1] = Object.assign(fresh, { source: replaced.name, source_index: page.source_index, source_page: page.source_page });
    chosen.children[page.source_index].textContent = `${replaced.name} (${(replaced.size / 1024).toLocaleString("vi-VN", { maximumFractionDigits: 0 })} KB)`;
    render();
    pages.children[page.number - 1].querySelector("button").focus();
  }

  rescanInput.addEventListener("change", () => { const scan = rescanInput.files[0]; rescanInput.value = ""; if (scan && pending) rescan(pending, scan); });

  const add = (list) => { files = files.concat(Array.from(list)); check(); };
  input.addEventListener("change", () => { add(input.files); input.value = ""; });
  ["dragenter", "dragover"].forEach((e) => drop.addEventListener(e, (ev) => { ev.preventDefault(); drop.classList.add("over"); }));
  ["dragleave", "drop"].forEach((e) => drop.addEventListener(e, () => drop.classList.remove("over")));
  drop.addEventListener("drop", (ev) => { ev.preventDefault(); add(ev.dataTransfer.files); });
  document.getElementById("clear").addEventListener("click", () => { files = []; check(); });

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    submit.disabled = true;
    say("Đang nộp hồ sơ…");
    const data = body(files);
    const procedure = document.getElementById("procedure").value;
    if (procedure) data.append("procedure", procedure);
    const response = await post("/api/v1/dossiers?check=false", data); // the pages were checked when chosen
    if (!response.ok) { say(await problem(response)); submit.disabled = false; return; }
    const receipt = await response.json();
    const link = `/desk/receipt/${encodeURIComponent(receipt.code)}`;
    const kept = receipt.findings.find((f) => f.code === "procedure_kept"); // handed in before, for another procedure
    if (kept) {
      say(`${kept.message} `);
      const open = Object.assign(document.createElement("a"), { href: link, textContent: "Xem phiếu tiếp nhận" });
      progress.append(open);
      open.focus();
      return;
    }
    window.location.assign(link);
  });
})();
