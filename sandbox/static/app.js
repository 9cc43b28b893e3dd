// The sandbox page: a small Telegram client for one bot, a group and a few people.
// State comes from /api/state, then live from /api/events (server-sent events).
"use strict";

const LABELS = {
  pl: {
    sandbox: "piaskownica", actingAs: "Działasz jako", addPerson: "Dodaj osobę", add: "Dodaj",
    namePlaceholder: "Imię", botTime: "Czas bota:", jump: "Skocz do następnego terminu",
    send: "Wyślij", typeHere: "Napisz wiadomość…", group: "grupa", privateWith: "czat prywatny z botem",
    addBot: "Dodaj bota do grupy", removeBot: "Usuń bota z grupy", botAdmin: "Bot administratorem",
    makeAdmin: "Nadaj administratora…", notMember: "Nie należysz do tej grupy.",
    botAbsent: "Bota nie ma w grupie.", replyingTo: "Odpowiedź na:", reply: "Odpowiedz",
    nothingScheduled: "Nic nie jest zaplanowane.", clockMoved: "Zegar przesunięty na",
    problem: "Bot wysłał nieprawidłowe wywołanie", members: "członków", you: "Ty",
    coordinator: "koordynatorka", representative: "przedstawiciel(ka)", supervisor: "animator(ka)",
    stranger: "osoba z zewnątrz", person: "osoba", admin: "administrator", owner: "właściciel",
    bot_member: "{who} dodaje bota do grupy", bot_left: "{who} usuwa bota z grupy",
    bot_administrator: "{who} nadaje botowi uprawnienia administratora",
    member_administrator: "{who} nadaje uprawnienia administratora: {member}",
    member_member: "{who} odbiera uprawnienia administratora: {member}", edited: "edytowano",
    empty: "Brak wiadomości. Zacznij od komendy /start lub /help.", download: "Pobierz",
    coordinatorHint: "Zakłada partnerstwo komendą /setup, dodaje partnerów, planuje szkolenia.",
    representativeHint: "Mówi w imieniu organizacji partnerskiej: odpowiada na pytania kontrolne, wykonuje zadania.",
    supervisorHint: "Animator(ka) z zewnątrz: widzi stan partnerstwa, niczego nie zmienia.",
    strangerHint: "Nie należy do grupy: zobacz, czego bot nie pokazuje obcym.",
    personHint: "Nowa osoba w grupie.",
  },
  en: {
    sandbox: "sandbox", actingAs: "Acting as", addPerson: "Add a person", add: "Add",
    namePlaceholder: "Name", botTime: "Bot's time:", jump: "Jump to the next scheduled",
    send: "Send", typeHere: "Write a message…", group: "group", privateWith: "private chat with the bot",
    addBot: "Add the bot to the group", removeBot: "Remove the bot", botAdmin: "Make the bot admin",
    makeAdmin: "Make administrator…", notMember: "You are not a member of this group.",
    botAbsent: "The bot is not in the group.", replyingTo: "Replying to:", reply: "Reply",
    nothingScheduled: "Nothing is scheduled.", clockMoved: "Clock moved to",
    problem: "The bot made an invalid call", members: "members", you: "You",
    coordinator: "coordinator", representative: "representative", supervisor: "supervisor",
    stranger: "stranger", person: "person", admin: "admin", owner: "owner",
    bot_member: "{who} added the bot to the group", bot_left: "{who} removed the bot from the group",
    bot_administrator: "{who} made the bot an administrator",
    member_administrator: "{who} made {member} an administrator",
    member_member: "{who} made {member} a regular member", edited: "edited",
    empty: "No messages yet. Start with /start or /help.", download: "Download",
    coordinatorHint: "Sets the partnership up with /setup, adds partners, plans the training.",
    representativeHint: "Speaks for a partner organisation: answers check-ins, does tasks.",
    supervisorHint: "An outside supervisor: sees how the partnership is doing, changes nothing.",
    strangerHint: "Not in the group: see what the bot keeps from outsiders.",
    personHint: "A new member of the group.",
  },
};

const S = {
  lang: "pl", seq: 0, people: new Map(), chats: new Map(), messages: new Map(), commands: {},
  bot: {}, me: null, chat: null, replyTo: null, unread: {}, clockOffset: 0, zone: "Europe/Warsaw", bottom: true,
};
const $ = (id) => document.getElementById(id);
const locale = () => (S.lang === "en" ? "en-GB" : "pl-PL");
const when = (seconds, fields) => new Date(seconds * 1000).toLocaleString(locale(), { timeZone: S.zone, ...fields });
const t = (key) => (LABELS[S.lang] || LABELS.en)[key] || key;
const el = (tag, attrs = {}, ...kids) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (v !== null && v !== undefined && v !== false) node.setAttribute(k, v === true ? "" : v);
  }
  for (const kid of kids) if (kid !== null && kid !== undefined) node.append(kid);
  return node;
};

async function post(action, body) {
  const answer = await fetch(`/api/${action}`, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  });
  const data = await answer.json();
  if (!data.ok) toast(data.error || "error", true);
  return data.result;
}

function toast(text, alert = false) {
  const node = el("div", { class: alert ? "toast alert" : "toast", role: "status" }, text);
  $("toasts").append(node);
  setTimeout(() => node.remove(), alert ? 8000 : 4000);
}

// ------------------------------------------------------------------ state

function key(m) { return `${m.chat}:${m.id === null ? "s" + m.at + Math.random() : m.id}`; }

function load(state) {
  S.seq = state.seq;
  S.bot = state.bot;
  S.commands = state.commands;
  S.zone = state.settings.timezone || S.zone;
  S.lang = localStorage.getItem("sandbox-lang") || state.settings.lang || "pl";
  S.clockOffset = state.now - Date.now() / 1000;
  state.people.forEach((p) => S.people.set(p.id, p));
  state.chats.forEach((c) => S.chats.set(c.id, c));
  state.messages.forEach((m) => S.messages.set(key(m), m));
  const saved = Number(localStorage.getItem("sandbox-person"));
  S.me = S.people.has(saved) ? saved : state.people[0]?.id ?? null;
  S.chat = groupId();
}

function apply(event) {
  S.seq = Math.max(S.seq, event.seq);
  if (event.kind === "message") {
    const m = event.message;
    const messageKey = m.id === null ? `${m.chat}:s${event.seq}` : `${m.chat}:${m.id}`;
    if (!S.messages.has(messageKey) && m.chat !== S.chat) S.unread[m.chat] = (S.unread[m.chat] || 0) + 1;
    S.messages.set(messageKey, m);
    if (m.prompt && m.chat === S.chat && visible(m.chat) && promptedMe(m)) setReply(m);
    return renderMessages(m.chat);
  }
  if (event.kind === "delete") { S.messages.delete(`${event.chat}:${event.id}`); return renderMessages(event.chat); }
  if (event.kind === "person") { S.people.set(event.person.id, event.person); S.chats.set(event.chat.id, event.chat); return renderSide(); }
  if (event.kind === "chat") { S.chats.set(event.chat.id, event.chat); renderSide(); return renderHead(); }
  if (event.kind === "commands") { S.commands = event.commands; return; }
  if (event.kind === "toast") { if (event.person === S.me) toast(event.text, event.alert); return; }
  if (event.kind === "problem") { toast(`${t("problem")}: ${event.method}: ${event.text}`, true); return; }
  if (event.kind === "clock") { S.clockOffset = event.now - Date.now() / 1000; tick(); }
}

function follow() {
  const source = new EventSource(`/api/events?after=${S.seq}`);
  source.onmessage = (e) => apply(JSON.parse(e.data));
}

// A selective reply prompt is for the person it mentions (or whose message it answers) only.
function promptedMe(m) {
  if (!m.prompt.selective || m.chat > 0) return true;
  const asked = S.messages.get(`${m.chat}:${m.reply_to}`);
  return m.html.includes(`tg://user?id=${S.me}"`) || (asked && asked.from === S.me);
}

function groupId() { for (const c of S.chats.values()) if (c.type === "group") return c.id; return null; }
function group() { return S.chats.get(groupId()); }
function memberStatus(userId) { return (group()?.members || {})[String(userId)] || "left"; }
function inGroup(userId) { return !["left", "kicked"].includes(memberStatus(userId)); }
function isAdmin(userId) { return ["creator", "administrator"].includes(memberStatus(userId)); }
function visible(chatId) { return chatId === S.me || (chatId === groupId() && inGroup(S.me)); }
function personName(id) { const p = S.people.get(id); return p ? `${p.first_name} ${p.last_name}`.trim() : String(id); }

// ------------------------------------------------------------------ drawing

function renderAll() {
  document.documentElement.lang = S.lang;
  document.querySelectorAll("[data-t]").forEach((n) => { n.textContent = t(n.dataset.t); });
  $("lang").textContent = S.lang === "pl" ? "EN" : "PL";
  $("text").placeholder = t("typeHere");
  $("person-name").placeholder = t("namePlaceholder");
  renderSide(); renderHead(); renderMessages(); tick();
}

function renderSide() {
  const select = $("person");
  select.replaceChildren(...[...S.people.values()].map((p) =>
    el("option", { value: p.id, selected: p.id === S.me }, `${personName(p.id)} · ${t(p.role)}`)));
  $("role-hint").textContent = S.people.has(S.me) ? t(`${S.people.get(S.me).role}Hint`) : "";
  const g = group();
  const rows = [];
  if (g) rows.push(chatRow(g.id, g.title, `${t("group")} · ${Object.values(g.members).filter((s) => !["left", "kicked"].includes(s)).length} ${t("members")}`));
  if (S.me !== null) rows.push(chatRow(S.me, "partnerbot", t("privateWith")));
  $("chats").replaceChildren(...rows);
}

function chatRow(id, title, sub) {
  const last = [...S.messages.values()].filter((m) => m.chat === id).pop();
  const preview = last ? (last.html ? stripTags(last.html) : last.file ? "📎" : "") : sub;
  return el("button", { class: id === S.chat ? "chat active" : "chat", "data-chat": id, onclick: () => openChat(id) },
    el("span", { class: id > 0 ? "avatar bot" : "avatar" }, title.slice(0, 1).toUpperCase()),
    el("span", { class: "chat-text" }, el("strong", {}, title), el("small", {}, preview.slice(0, 60))),
    S.unread[id] && visible(id) ? el("span", { class: "badge" }, String(S.unread[id])) : null);
}

function stripTags(html) { const d = document.createElement("div"); d.innerHTML = html; return d.textContent || ""; }

function openChat(id) {
  S.chat = id; S.bottom = true; S.unread[id] = 0; setReply(null);
  document.body.classList.add("in-chat");
  renderSide(); renderHead(); renderMessages();
}

function renderHead() {
  const g = group();
  const isGroup = S.chat === groupId();
  $("chat-title").textContent = isGroup ? g.title : "partnerbot";
  $("chat-sub").textContent = isGroup ? `${t("group")} · @${S.bot.username}` : `@${S.bot.username}`;
  const tools = [];
  if (isGroup && isAdmin(S.me)) {
    if (g.bot === "left" || g.bot === "kicked") tools.push(el("button", { id: "add-bot", onclick: () => post("bot", { person: S.me, status: "member" }) }, t("addBot")));
    else {
      if (g.bot !== "administrator") tools.push(el("button", { id: "bot-admin", class: "ghost", onclick: () => post("bot", { person: S.me, status: "administrator" }) }, t("botAdmin")));
      tools.push(el("button", { id: "remove-bot", class: "ghost", onclick: () => post("bot", { person: S.me, status: "left" }) }, t("removeBot")));
    }
    const others = [...S.people.values()].filter((p) => p.id !== S.me && inGroup(p.id) && !isAdmin(p.id));
    if (others.length) {
      const pick = el("select", { id: "make-admin", class: "ghost", onchange: (e) => { if (e.target.value) post("member", { person: S.me, user: Number(e.target.value), status: "administrator" }); } },
        el("option", { value: "" }, t("makeAdmin")), ...others.map((p) => el("option", { value: p.id }, personName(p.id))));
      tools.push(pick);
    }
  }
  $("group-tools").replaceChildren(...tools);
}

function renderMessages(onlyChat) {
  if (onlyChat !== undefined && onlyChat !== S.chat) return renderSide();
  const box = $("messages");
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
  const list = [...S.messages.values()].filter((m) => m.chat === S.chat); // in the order they happened
  let notice = null;
  if (!visible(S.chat)) notice = t("notMember");
  else if (S.chat === groupId() && group().bot === "left" && !list.length) notice = t("botAbsent");
  else if (!list.length) notice = t("empty");
  box.replaceChildren(...(notice ? [el("p", { class: "notice" }, notice)] : []),
    ...(visible(S.chat) ? list.map(drawMessage) : []));
  if (atBottom || S.bottom) box.scrollTop = box.scrollHeight;
  S.bottom = false;
  $("composer").hidden = !visible(S.chat);
  renderSide();
}

function drawMessage(m) {
  if (m.from === "service") {
    let text = t(m.service);
    for (const [k, v] of Object.entries(m.names || {})) text = text.replace(`{${k}}`, v);
    return el("div", { class: "service" }, text);
  }
  const mine = m.from === S.me;
  const body = el("div", { class: "text" });
  body.innerHTML = m.html; // sanitised by the sandbox: only Telegram's tags
  linkify(body);
  body.querySelectorAll("a[href]").forEach(wireLink);
  const quoted = m.reply_to ? S.messages.get(`${m.chat}:${m.reply_to}`) : null;
  const at = when(m.at, { day: "2-digit", month: "2-digit", hour: "2-digit", minute: "2-digit" });
  return el("div", { class: `msg ${m.from === "bot" ? "bot" : mine ? "mine" : "other"}`, "data-id": m.id },
    m.from === "bot" || mine || m.chat > 0 ? null : el("div", { class: "sender" }, personName(m.from)),
    m.from === "bot" && m.chat < 0 ? el("div", { class: "sender bot-name" }, "partnerbot") : null,
    quoted ? el("div", { class: "quote" }, stripTags(quoted.html || "📎").slice(0, 80)) : null,
    drawFile(m.file), m.html ? body : null,
    m.buttons?.length ? drawButtons(m) : null,
    el("div", { class: "meta" }, m.edited ? `${t("edited")} · ` : "", at,
      el("button", { class: "reply-btn", title: t("reply"), onclick: () => setReply(m) }, "↩")));
}

function drawFile(file) {
  if (!file) return null;
  if (file.kind === "photo") {
    const src = `/file/${encodeURIComponent(file.file_id)}`;
    return el("a", { href: src, target: "_blank", class: "photo" }, el("img", { src, alt: "chart", loading: "lazy" }));
  }
  const href = `/file/${encodeURIComponent(file.file_id)}?name=${encodeURIComponent(file.file_name)}`;
  return el("a", { class: "document", href, download: file.file_name }, el("span", {}, "📎"), el("span", {}, file.file_name));
}

function drawButtons(m) {
  return el("div", { class: "keyboard" }, ...m.buttons.map((row) => el("div", { class: "row" },
    ...row.map((b) => el("button", {
      class: "kb", onclick: () => (b.callback_data !== undefined
        ? post("press", { person: S.me, chat: m.chat, message: m.id, data: b.callback_data })
        : openLink(b.url)),
    }, b.text)))));
}

// Telegram clients turn bare addresses into links; so does the page.
function linkify(node) {
  const walker = document.createTreeWalker(node, NodeFilter.SHOW_TEXT);
  const texts = [];
  while (walker.nextNode()) if (!walker.currentNode.parentElement.closest("a")) texts.push(walker.currentNode);
  for (const text of texts) {
    const parts = text.data.split(/(https?:\/\/[^\s<>"]+)/);
    if (parts.length < 2) continue;
    text.replaceWith(...parts.map((part, i) => (i % 2
      ? el("a", { href: part.replace(/[.,;:!?)]+$/, ""), target: "_blank", rel: "noopener" }, part)
      : part)));
  }
}

// Links to the bot itself (t.me/<bot>?start=...) are deep links: the chosen person opens them.
function wireLink(a) {
  if (a.getAttribute("href").startsWith("tg://")) a.addEventListener("click", (e) => e.preventDefault());
  const deep = deepLink(a.getAttribute("href"));
  if (deep) a.addEventListener("click", (e) => { e.preventDefault(); openLink(a.getAttribute("href")); });
}

function deepLink(href) {
  try {
    const url = new URL(href);
    if (!["t.me", "telegram.me"].includes(url.hostname)) return null;
    if (url.pathname.replace("/", "").toLowerCase() !== String(S.bot.username).toLowerCase()) return null;
    if (url.searchParams.has("startgroup")) return { group: true };
    return { start: url.searchParams.get("start") || "" };
  } catch { return null; }
}

function openLink(href) {
  const deep = deepLink(href);
  if (!deep) return window.open(href, "_blank", "noopener");
  if (deep.group) { openChat(groupId()); return post("bot", { person: S.me, status: "member" }); }
  openChat(S.me);
  return post("say", { person: S.me, chat: S.me, text: deep.start ? `/start ${deep.start}` : "/start" });
}

function setReply(m) {
  S.replyTo = m ? m.id : null;
  $("replying").hidden = !m;
  if (m) $("replying").querySelector("span").textContent = `${t("replyingTo")} ${stripTags(m.html || "📎").slice(0, 60)}`;
  $("text").placeholder = m?.prompt?.placeholder || t("typeHere");
  if (m) $("text").focus();
}

function tick() {
  const now = Date.now() / 1000 + S.clockOffset;
  $("clock").textContent = when(now, { weekday: "short", day: "2-digit", month: "2-digit", year: "numeric", hour: "2-digit", minute: "2-digit" });
}

function commandsFor() {
  const scope = S.chat === groupId() ? "all_group_chats" : "all_private_chats";
  const lang = S.people.get(S.me)?.language_code || "";
  return S.commands[`${scope}|${lang}`] || S.commands[`${scope}|`] || [];
}

function toggleCommands() {
  const menu = $("cmd-menu");
  if (!menu.hidden) { menu.hidden = true; return; }
  menu.replaceChildren(...commandsFor().map((c) => el("button", {
    type: "button", class: "cmd", onclick: () => { $("text").value = `/${c.command} `; menu.hidden = true; $("text").focus(); },
  }, el("strong", {}, `/${c.command}`), " ", el("small", {}, c.description))));
  menu.hidden = false;
}

// ------------------------------------------------------------------ wiring

function wire() {
  $("person").addEventListener("change", (e) => {
    S.me = Number(e.target.value); localStorage.setItem("sandbox-person", S.me);
    if (S.chat > 0) S.chat = S.me;
    S.unread = {};
    setReply(null); renderAll();
  });
  $("lang").addEventListener("click", () => { S.lang = S.lang === "pl" ? "en" : "pl"; localStorage.setItem("sandbox-lang", S.lang); renderAll(); });
  $("person-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const id = await post("person", { name: $("person-name").value, lang: $("person-lang").value });
    if (id) { S.me = id; $("person-name").value = ""; $("add-person").open = false; setTimeout(renderAll, 100); }
  });
  $("composer").addEventListener("submit", (e) => {
    e.preventDefault();
    const text = $("text").value.trim();
    if (!text) return;
    post("say", { person: S.me, chat: S.chat, text, reply_to: S.replyTo });
    $("text").value = ""; setReply(null); $("cmd-menu").hidden = true;
  });
  $("cmd-button").addEventListener("click", toggleCommands);
  $("cancel-reply").addEventListener("click", () => setReply(null));
  $("back").addEventListener("click", () => document.body.classList.remove("in-chat"));
  $("jump").addEventListener("click", async () => {
    const r = await post("clock", {});
    if (r) toast(r.jumped ? `${t("clockMoved")} ${when(Date.parse(r.now) / 1000, {})}` : t("nothingScheduled"));
  });
  setInterval(tick, 15000);
}

fetch("/api/state").then((r) => r.json()).then((state) => { load(state); wire(); renderAll(); follow(); document.body.dataset.ready = "1"; });
