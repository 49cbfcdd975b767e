// Onboarding (templates/onboarding.html): "Check installation" asks the server to load
// the page and look for the snippet; meanwhile the page polls {api}/status and turns
// into the dashboard (a reload: the server renders it once the site has events).
const root = document.getElementById("onboarding");
const API = root.dataset.api;
const POLL_MS = Number(root.dataset.poll) || 5000;
const CSRF = document.querySelector('meta[name="csrf-token"]')?.content || "";
const result = document.getElementById("check-result");

document.getElementById("check-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const button = document.getElementById("check-install");
  button.disabled = true;
  result.dataset.found = "";
  result.className = "check-result";
  result.textContent = "Checking…";
  try {
    const res = await fetch(`${API}/check-install`, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": CSRF },
      body: JSON.stringify({ url: document.getElementById("check-url").value }),
    });
    const data = await res.json().catch(() => ({ detail: res.statusText }));
    const found = res.ok && data.found;
    result.textContent = found ? `✓ ${data.detail}` : `✗ ${data.detail || `HTTP ${res.status}`}`;
    result.dataset.found = found ? "1" : "0";
    result.classList.add(found ? "good" : "bad");
  } finally {
    button.disabled = false;
  }
});

async function poll() {
  if (document.hidden) return;
  try {
    const res = await fetch(`${API}/status`, { credentials: "same-origin" });
    if (res.ok && (await res.json()).has_events) window.location.reload();
  } catch (e) { /* the next poll retries */ }
}
setInterval(poll, POLL_MS);
document.addEventListener("visibilitychange", poll);
