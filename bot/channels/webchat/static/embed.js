/*
 * Border tip line: web chat for community sites. The one tag a site pastes:
 *
 *   <script src="https://TIPLINE/webchat/embed.js" async></script>
 *
 * Options (data attributes of that tag, all optional; plain text, never HTML):
 *   data-title, data-subtitle, data-notice   texts of the chat (every language), or
 *   data-title-fr, data-notice-es, ...        per language (en, fr, es)
 *   data-color                                main colour (#1d3557)
 *   data-lang                                 start language instead of the browser's
 *   data-storage="local"                      keep the chat after the tab is closed
 *                                             (default: this tab only, safer on shared
 *                                             computers)
 *
 * Loads the rasa-webchat bundle and its stylesheet from the tip line itself (never a CDN),
 * starts in the browser's language (en, fr or es) and follows the language the bot answers
 * in. "Share my location" asks the browser for the position only when pressed; the
 * coordinates then go with the resident's messages as metadata.
 */
(function () {
  "use strict";
  if (window.__tiplineWebchat) { return; }
  window.__tiplineWebchat = true;

  var ASSETS = /*TIPLINE_ASSETS*/{};
  var script = document.currentScript || (function () {
    var all = document.querySelectorAll("script[src*='/webchat/embed.js']");
    return all[all.length - 1];
  }());
  if (!script) { return; }
  var source = new URL(script.src, document.baseURI);
  var basePath = source.pathname.replace(/\/webchat\/embed\.js$/, "");
  var base = source.origin + basePath;
  var data = script.dataset || {};

  var TEXT = {
    en: {
      title: "Border tip line",
      subtitle: "Anonymous tips",
      placeholder: "Describe what you saw…",
      connecting: "Connecting…",
      notice: "You do not have to give your name. We do not keep your IP address. In an emergency, call 911 first.",
      share: "Share my location",
      unshare: "Stop sharing my location",
      locating: "Asking your browser for your position…",
      located: "Your position will be sent with your messages.",
      notShared: "Your position is not shared.",
      denied: "Your position could not be read. You can write the place instead.",
      unsupported: "This browser cannot share a position. You can write the place instead.",
      conversation: "Conversation with the border tip line",
      send: "Send",
      close: "Close the chat",
      open: "Open the border tip line chat",
      tools: "Chat options"
    },
    fr: {
      title: "Ligne de signalement frontalière",
      subtitle: "Signalements anonymes",
      placeholder: "Décrivez ce que vous avez vu…",
      connecting: "Connexion…",
      notice: "Vous n'avez pas à donner votre nom. Nous ne gardons pas votre adresse IP. En cas d'urgence, appelez d'abord le 911.",
      share: "Partager ma position",
      unshare: "Ne plus partager ma position",
      locating: "Demande de votre position au navigateur…",
      located: "Votre position sera envoyée avec vos messages.",
      notShared: "Votre position n'est pas partagée.",
      denied: "Votre position n'a pas pu être lue. Vous pouvez écrire le lieu.",
      unsupported: "Ce navigateur ne peut pas partager de position. Vous pouvez écrire le lieu.",
      conversation: "Conversation avec la ligne de signalement",
      send: "Envoyer",
      close: "Fermer la conversation",
      open: "Ouvrir la conversation de la ligne de signalement",
      tools: "Options de la conversation"
    },
    es: {
      title: "Línea de denuncias de la frontera",
      subtitle: "Denuncias anónimas",
      placeholder: "Describa lo que vio…",
      connecting: "Conectando…",
      notice: "No tiene que dar su nombre. No guardamos su dirección IP. En caso de emergencia, llame primero al 911.",
      share: "Compartir mi ubicación",
      unshare: "Dejar de compartir mi ubicación",
      locating: "Pidiendo su ubicación al navegador…",
      located: "Su ubicación se enviará con sus mensajes.",
      notShared: "Su ubicación no se comparte.",
      denied: "No se pudo leer su ubicación. Puede escribir el lugar.",
      unsupported: "Este navegador no puede compartir una ubicación. Puede escribir el lugar.",
      conversation: "Conversación con la línea de denuncias",
      send: "Enviar",
      close: "Cerrar el chat",
      open: "Abrir el chat de la línea de denuncias",
      tools: "Opciones del chat"
    }
  };

  function supported(code) {
    code = String(code || "").toLowerCase().split("-")[0];
    return Object.prototype.hasOwnProperty.call(TEXT, code) ? code : null;
  }

  function startLanguage() {
    if (supported(data.lang)) { return supported(data.lang); }
    var wanted = [].concat(navigator.languages || [], navigator.language || []);
    for (var i = 0; i < wanted.length; i += 1) {
      if (supported(wanted[i])) { return supported(wanted[i]); }
    }
    return "en";
  }

  var language = startLanguage();
  // sent with every message: the interface language, and the position once shared
  var customData = { language: language };
  var state = { status: "" };

  function text(key) {
    var suffix = language.charAt(0).toUpperCase() + language.slice(1);
    return data[key + suffix] || data[key] || TEXT[language][key];
  }

  function colour(value, fallback) {
    return /^#[0-9a-fA-F]{3,8}$/.test(value || "") ? value : fallback;
  }

  var stylesheet = document.createElement("link");
  stylesheet.rel = "stylesheet";
  stylesheet.href = base + (ASSETS.stylesheet || "/webchat/static/webchat.css");
  document.head.appendChild(stylesheet);

  var container = document.createElement("div");
  container.id = "tipline-webchat";
  container.className = "tipline-webchat";
  container.setAttribute("lang", language);
  // a landmark of its own, so that screen reader users find the chat among the page's
  container.setAttribute("role", "region");

  function element(tag, className, content) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (content) { node.textContent = content; }
    return node;
  }

  // Notice and "Share my location", inside the open chat above the messages.
  var tools = element("div", "tl-tools");
  tools.setAttribute("role", "group");
  var notice = element("p", "tl-notice");
  var share = element("button", "tl-share");
  share.type = "button";
  var status = element("p", "tl-status");
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");
  tools.appendChild(notice);
  tools.appendChild(share);
  tools.appendChild(status);

  function refreshTools() {
    tools.setAttribute("aria-label", text("tools"));
    notice.textContent = text("notice");
    share.textContent = customData.location ? text("unshare") : text("share");
    share.setAttribute("aria-pressed", customData.location ? "true" : "false");
    status.textContent = state.status ? text(state.status) : "";
  }

  function setStatus(key) {
    state.status = key;
    refreshTools();
  }

  share.addEventListener("click", function () {
    if (customData.location) {
      delete customData.location;
      setStatus("notShared");
      return;
    }
    if (!navigator.geolocation) {
      setStatus("unsupported");
      return;
    }
    setStatus("locating");
    navigator.geolocation.getCurrentPosition(function (position) {
      customData.location = {
        lat: Math.round(position.coords.latitude * 1e5) / 1e5,
        lon: Math.round(position.coords.longitude * 1e5) / 1e5
      };
      setStatus("located");
    }, function () {
      setStatus("denied");
    }, { enableHighAccuracy: false, timeout: 20000, maximumAge: 60000 });
  });

  // The widget's own texts and accessible names, in the current language.
  function decorate() {
    if (container.getAttribute("aria-label") !== text("title")) {
      container.setAttribute("aria-label", text("title"));
    }
    var conversation = container.querySelector(".rw-conversation-container");
    if (conversation) {
      var messages = conversation.querySelector(".rw-messages-container");
      if (messages && !conversation.contains(tools)) {
        messages.parentNode.insertBefore(tools, messages);
        refreshTools();
      }
      if (messages) {
        messages.setAttribute("role", "log");
        messages.setAttribute("aria-live", "polite");
        messages.setAttribute("aria-label", text("conversation"));
        if (!messages.hasAttribute("tabindex")) { messages.setAttribute("tabindex", "0"); }
      }
      var title = conversation.querySelector(".rw-title");
      if (title && title.textContent !== text("title")) { title.textContent = text("title"); }
      if (title && !title.hasAttribute("aria-level")) { title.setAttribute("aria-level", "2"); }
      var input = conversation.querySelector(".rw-new-message");
      if (input) {
        if (input.getAttribute("placeholder") !== text("placeholder")) {
          input.setAttribute("placeholder", text("placeholder"));
        }
        if (input.getAttribute("aria-label") !== text("placeholder")) {
          input.setAttribute("aria-label", text("placeholder"));
        }
      }
      var send = conversation.querySelector(".rw-send");
      if (send && send.getAttribute("aria-label") !== text("send")) {
        send.setAttribute("aria-label", text("send"));
      }
      var close = conversation.querySelector(".rw-close-button");
      if (close && close.getAttribute("aria-label") !== text("close")) {
        close.setAttribute("aria-label", text("close"));
      }
    }
    var launcher = container.querySelector(".rw-launcher");
    if (launcher) {
      var label = conversation ? text("close") : text("open");
      if (launcher.getAttribute("aria-label") !== label) {
        launcher.setAttribute("aria-label", label);
      }
      launcher.setAttribute("aria-expanded", conversation ? "true" : "false");
    }
    var images = container.querySelectorAll("img:not([alt])");
    for (var i = 0; i < images.length; i += 1) { images[i].setAttribute("alt", ""); }
  }

  var opened = false;
  function watch() {
    new MutationObserver(function () {
      var conversation = container.querySelector(".rw-conversation-container");
      decorate();
      if (conversation && !opened) {
        opened = true;
        var input = conversation.querySelector(".rw-new-message");
        if (input && document.activeElement && container.contains(document.activeElement)) {
          input.focus();
        }
      } else if (!conversation && opened) {
        opened = false;
      }
    }).observe(container, { childList: true, subtree: true });
  }

  function setLanguage(code) {
    code = supported(code);
    if (!code || code === language) { return; }
    language = code;
    customData.language = code;
    container.setAttribute("lang", code);
    var subtitle = container.querySelector(".rw-subtitle, .rw-header span");
    if (subtitle && subtitle.textContent) { subtitle.textContent = text("subtitle"); }
    refreshTools();
    decorate();
  }

  function start() {
    if (!window.WebChat || typeof window.WebChat.default !== "function") { return; }
    document.body.appendChild(container);
    watch();
    var main = colour(data.color, "#1d3557");
    window.WebChat.default({
      socketUrl: source.origin,
      socketPath: basePath + "/socket.io/",
      customData: customData,
      title: text("title"),
      subtitle: text("subtitle"),
      inputTextFieldHint: text("placeholder"),
      connectingText: text("connecting"),
      connectOn: "mount",  // the widget shows only once the session is confirmed
      showFullScreenButton: false,
      hideWhenNotConnected: false,  // a reconnection never hides an ongoing conversation
      displayUnreadCount: true,
      docViewer: false,
      params: { storage: data.storage === "local" ? "local" : "session" },
      mainColor: main,
      userBackgroundColor: main,
      userTextColor: "#ffffff",
      assistBackgoundColor: "#eef1f5",
      assistTextColor: "#1a1a1a",
      customMessageDelay: function () { return 400; },
      onSocketEvent: {
        tipline_language: function (payload) { setLanguage(payload && payload.language); }
      }
    }, container);
  }

  var bundle = document.createElement("script");
  bundle.src = base + (ASSETS.bundle || "/webchat/static/rasa-webchat.js");
  bundle.async = true;
  bundle.onload = function () {
    if (document.body) { start(); } else { document.addEventListener("DOMContentLoaded", start); }
  };
  document.head.appendChild(bundle);
}());
