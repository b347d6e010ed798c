// The page: sign-in, header, and a hash router over three views.
import { h, mount } from "./dom.js";
import { startEvents, stopEvents, clearListeners } from "./events.js";
import { session, restore, signOut } from "./session.js";
import { destroyCharts } from "./charts.js";
import { renderSignIn } from "./views/signin.js";
import { renderRuntimes } from "./views/runtimes.js";
import { renderRuntime } from "./views/runtime.js";
import { renderAgents } from "./views/agents.js";

const main = document.getElementById("main");
const header = document.getElementById("header");

function renderHeader() {
  const me = session.me;
  const nav = me
    ? h("nav", { "aria-label": "Main" },
        h("a", { href: "#/runtimes", "aria-current": location.hash.startsWith("#/agents") ? null : "page" }, "Runtimes"),
        h("a", { href: "#/agents", "aria-current": location.hash.startsWith("#/agents") ? "page" : null }, "Agents"))
    : null;
  const who = me
    ? h("div", { class: "who", "data-testid": "who" },
        h("span", { class: "who-name" }, me.name),
        h("span", { class: "who-roles" },
          me.memberships.map((m) => `${m.role} · ${m.workspace_name}`).join(", ")),
        h("span", { class: "who-zone", "data-testid": "zone" }, `zone ${session.tz}`),
        h("button", { type: "button", class: "link", onclick: () => { signOut(); stopEvents(); location.hash = "#/sign-in"; route(); } }, "Sign out"))
    : null;
  mount(header, h("a", { class: "brand", href: "#/runtimes" }, "runtime-rules"), nav, who);
}

let generation = 0;

/** Renders the view the hash names. */
export async function route() {
  const mine = ++generation;
  clearListeners();
  destroyCharts(main);
  const [path, queryString] = location.hash.replace(/^#/, "").split("?");
  const query = new URLSearchParams(queryString ?? "");
  if (!session.me || path === "/sign-in") {
    renderHeader();
    await renderSignIn(main, () => {
      startEvents();
      location.hash = "#/runtimes";
    });
    return;
  }
  const parts = path.split("/").filter(Boolean);
  const stillCurrent = () => mine === generation;
  try {
    if (parts[0] === "runtimes" && parts[1]) {
      await renderRuntime(main, parts[1], { query, stillCurrent, renderHeader, refresh: route });
    } else if (parts[0] === "agents") {
      renderHeader();
      await renderAgents(main, { stillCurrent, refresh: route });
    } else {
      renderHeader();
      await renderRuntimes(main, { stillCurrent, refresh: route });
    }
  } catch (error) {
    if (!stillCurrent()) return;
    if (error?.status === 401) {
      signOut();
      location.hash = "#/sign-in";
      return;
    }
    mount(main, h("div", { class: "error", role: "alert" },
      h("h1", {}, "Something went wrong"),
      h("p", {}, error?.message ?? String(error))));
  }
  if (stillCurrent()) renderHeader();
}

window.addEventListener("hashchange", route);

if (await restore()) startEvents();
await route();
document.body.dataset.ready = "true";
