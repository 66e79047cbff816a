// The receipt's print button (no inline script: the Content-Security-Policy allows only these files).
document.getElementById("print")?.addEventListener("click", () => window.print());
