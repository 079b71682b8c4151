// Server-Sent Events read off a fetch response body (EventSource cannot send the token).

// Parses `data: ...` events out of a text/event-stream body; calls onEvent(dataString).
export async function readEvents(response, onEvent) {
  var reader = response.body.getReader();
  var decoder = new TextDecoder();
  var buffer = "";
  for (;;) {
    var chunk = await reader.read();
    if (chunk.done) {
      break;
    }
    buffer += decoder.decode(chunk.value, { stream: true }).replace(/\r\n/g, "\n");
    var cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      var raw = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      var data = raw.split("\n")
        .filter(function (line) { return line.indexOf("data:") === 0; })
        .map(function (line) { return line.slice(5).replace(/^ /, ""); })
        .join("\n");
      if (data) {
        onEvent(data);
      }
    }
  }
}
