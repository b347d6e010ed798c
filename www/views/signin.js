// Sign-in: pick a demo user (when the server runs the demo) or paste a token.
import { h, mount } from "../dom.js";
import { api } from "../api.js";
import { signIn } from "../session.js";

export async function renderSignIn(main, done) {
  let users = [];
  try {
    users = await api("/api/demo/users");
  } catch {
    users = []; // not a demo server: tokens only
  }
  const message = h("p", { class: "error", role: "alert", hidden: true });
  const fail = (error) => {
    message.hidden = false;
    message.textContent = error?.status === 401 ? "That token is not valid here." : (error?.message ?? String(error));
  };
  const go = async (value) => {
    try {
      await signIn(value);
      done();
    } catch (error) {
      fail(error);
    }
  };
  const tokenInput = h("input", { id: "token", name: "token", type: "password", autocomplete: "off", required: true });
  mount(main,
    h("section", { class: "sign-in" },
      h("h1", {}, "Sign in"),
      users.length
        ? h("div", {},
            h("p", {}, "This is the demo: choose who you are."),
            h("ul", { class: "user-list" },
              users.map((user) => h("li", {},
                h("button", { type: "button", class: "user-choice", onclick: () => go(user.token) },
                  h("span", { class: "user-name" }, user.name),
                  h("span", { class: "user-roles" }, user.roles || "no workspace"),
                  user.timezone ? h("span", { class: "user-zone" }, user.timezone) : null)))))
        : null,
      h("form", { class: "token-form", onsubmit: (e) => { e.preventDefault(); go(tokenInput.value.trim()); } },
        h("label", { for: "token" }, users.length ? "Or paste a token" : "Your API token"),
        h("div", { class: "row" }, tokenInput, h("button", { type: "submit" }, "Sign in"))),
      message));
  main.querySelector("button, input")?.focus();
}
