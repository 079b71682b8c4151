// The conversation in the chat panel, shared by the chat (which streams into it) and the
// session list (which opens, starts and deletes them).

export var conversation = {
  sessionId: null,   // the session the next message continues
  controller: null,  // AbortController of the streaming answer
};
