// Images attached to the next question (pasted or picked), shown as removable thumbnails
// and handed over, as data: URLs, when the question is sent.

import { $, el } from "./dom.js";

var IMAGE_TYPES = ["image/png", "image/jpeg", "image/gif", "image/webp"];
var images = [];

export function thumbnail(url) {
  var img = document.createElement("img");
  img.className = "thumbnail";
  img.alt = "attached image";
  img.src = url;  // a data: URL read from the user's own file
  return img;
}

function showAttachments() {
  var strip = $("attachments");
  strip.replaceChildren();
  images.forEach(function (url, index) {
    var item = el("span", "attachment");
    item.appendChild(thumbnail(url));
    var remove = el("button", "link remove-image", "✕");
    remove.type = "button";
    remove.setAttribute("aria-label", "Remove this image");
    remove.addEventListener("click", function () {
      images.splice(index, 1);
      showAttachments();
    });
    item.appendChild(remove);
    strip.appendChild(item);
  });
}

export function attachFiles(files) {
  Array.prototype.forEach.call(files, function (file) {
    if (IMAGE_TYPES.indexOf(file.type) < 0) {
      return;  // the server reads the type from the bytes; this only skips obvious non-images
    }
    var reader = new FileReader();
    reader.onload = function () {
      images.push(reader.result);
      showAttachments();
    };
    reader.readAsDataURL(file);
  });
}

// The attached images, removed from the strip: they go with the question being sent.
export function takeImages() {
  var taken = images;
  images = [];
  showAttachments();
  return taken;
}
