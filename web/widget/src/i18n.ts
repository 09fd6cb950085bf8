// User-interface strings. Bot text comes from Rasa; these are only the widget's own labels.

export interface Strings {
  openChat: string;
  closeChat: string;
  inputLabel: string;
  placeholder: string;
  send: string;
  you: string;
  assistant: string;
  typing: string;
  connecting: string;
  offline: string;
  queued: string;
  messages: string;
  suggestions: string;
  /** After an agent's name: "Sam (our team)". */
  ourTeam: string;
  /** Shown while a person has the conversation. */
  withTeam: string;
  /** Announced when a reply arrives while the chat is closed; `{from}` is who sent it. */
  newMessageFrom: string;
  /** Added to the launcher's name while there are unread replies; `{count}` of them. */
  unread: string;
}

const EN: Strings = {
  openChat: "Open chat with the shop assistant",
  closeChat: "Close chat",
  inputLabel: "Your message",
  placeholder: "Type your message…",
  send: "Send",
  you: "You",
  assistant: "Assistant",
  typing: "The assistant is typing…",
  connecting: "Connecting…",
  offline: "Connection lost, retrying…",
  queued: "Will be sent when the connection is back",
  messages: "Conversation",
  suggestions: "Suggested replies",
  ourTeam: "our team",
  withTeam: "A person from our team has this conversation. Their answers appear here.",
  newMessageFrom: "New message from {from}",
  unread: "{count} unread",
};

const TABLE: Record<string, Strings> = {
  en: EN,
  de: {
    openChat: "Chat mit dem Shop-Assistenten öffnen",
    closeChat: "Chat schließen",
    inputLabel: "Ihre Nachricht",
    placeholder: "Nachricht eingeben…",
    send: "Senden",
    you: "Sie",
    assistant: "Assistent",
    typing: "Der Assistent schreibt…",
    connecting: "Verbindung wird aufgebaut…",
    offline: "Verbindung unterbrochen, neuer Versuch…",
    queued: "Wird gesendet, sobald die Verbindung wieder steht",
    messages: "Unterhaltung",
    suggestions: "Antwortvorschläge",
    ourTeam: "unser Team",
    withTeam: "Eine Person aus unserem Team betreut diese Unterhaltung. Antworten erscheinen hier.",
    newMessageFrom: "Neue Nachricht von {from}",
    unread: "{count} ungelesen",
  },
  fr: {
    openChat: "Ouvrir le chat avec l’assistant de la boutique",
    closeChat: "Fermer le chat",
    inputLabel: "Votre message",
    placeholder: "Écrivez votre message…",
    send: "Envoyer",
    you: "Vous",
    assistant: "Assistant",
    typing: "L’assistant écrit…",
    connecting: "Connexion…",
    offline: "Connexion perdue, nouvelle tentative…",
    queued: "Sera envoyé dès le retour de la connexion",
    messages: "Conversation",
    suggestions: "Réponses suggérées",
    ourTeam: "notre équipe",
    withTeam: "Une personne de notre équipe s’occupe de cette conversation. Ses réponses apparaissent ici.",
    newMessageFrom: "Nouveau message de {from}",
    unread: "{count} non lu(s)",
  },
  es: {
    openChat: "Abrir el chat con el asistente de la tienda",
    closeChat: "Cerrar el chat",
    inputLabel: "Tu mensaje",
    placeholder: "Escribe tu mensaje…",
    send: "Enviar",
    you: "Tú",
    assistant: "Asistente",
    typing: "El asistente está escribiendo…",
    connecting: "Conectando…",
    offline: "Conexión perdida, reintentando…",
    queued: "Se enviará cuando vuelva la conexión",
    messages: "Conversación",
    suggestions: "Respuestas sugeridas",
    ourTeam: "nuestro equipo",
    withTeam: "Una persona de nuestro equipo atiende esta conversación. Sus respuestas aparecen aquí.",
    newMessageFrom: "Nuevo mensaje de {from}",
    unread: "{count} sin leer",
  },
};

/** A string with `{name}` placeholders filled in. */
export function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole));
}

/** Strings for a BCP 47 locale ("de-AT" falls back to "de", unknown to English). */
export function stringsFor(locale: string): Strings {
  const lang = locale.toLowerCase().split(/[-_]/)[0] ?? "en";
  return TABLE[lang] ?? EN;
}
