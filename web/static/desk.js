// Reception desk: choose or drop files, see each page with its reception-check verdict, submit, go to the receipt.
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
  const body = () => { const data = new FormData(); files.forEach((f) => data.append("files", f, f.name)); return data; };
  const post = (url) => fetch(url, { method: "POST", body: body(), headers: { "X-CSRF-Token": csrf }, credentials: "same-origin" });
  const problem = async (response) => { try { return (await response.json()).error.message; } catch { return `Lỗi ${response.status}`; } };

  function verdict(page) {
    const errors = page.findings.filter((f) => f.severity === "error");
    const warnings = page.findings.filter((f) => f.severity === "warning");
    if (errors.length) return ["bad", `✘ Trang ${page.number}: ${errors.map((f) => f.message).join("; ")}. Vui lòng quét lại.`];
    if (warnings.length) return ["warn", `⚠ Trang ${page.number}: ${warnings.map((f) => f.message).join("; ")}`];
    return ["ok", `✔ Trang ${page.number}: đạt yêu cầu`];
  }

  async function check() {
    chosen.replaceChildren(...files.map((f) => Object.assign(document.createElement("li"), { textContent: `${f.name} (${(f.size / 1024).toLocaleString("vi-VN", { maximumFractionDigits: 0 })} KB)` })));
    pages.replaceChildren();
    submit.disabled = true;
    if (!files.length) { say(""); return; }
    say("Đang kiểm tra các trang…");
    const response = await post("/api/v1/check");
    if (!response.ok) { say(await problem(response)); return; }
    const report = await response.json();
    for (const page of report.pages) {
      const [kind, text] = verdict(page);
      const item = document.createElement("li");
      const img = Object.assign(document.createElement("img"), { src: page.thumbnail, alt: `Trang ${page.number} (${page.source})` });
      const p = Object.assign(document.createElement("p"), { className: `verdict ${kind}`, textContent: text });
      item.append(img, p);
      pages.append(item);
    }
    const bad = report.rescan.length;
    say(bad ? `${report.pages.length} trang; ${bad} trang cần quét lại (vẫn có thể nộp).` : `${report.pages.length} trang, tất cả đạt yêu cầu.`);
    submit.disabled = false;
  }

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
    const response = await post("/api/v1/dossiers?check=false"); // the pages were checked when chosen
    if (!response.ok) { say(await problem(response)); submit.disabled = false; return; }
    const receipt = await response.json();
    window.location.assign(`/desk/receipt/${encodeURIComponent(receipt.code)}`);
  });
})();
