// Citation popovers: a citation mark shows its source sentence and outlet on click, Enter or hover.
// The popovers are rendered (and escaped) by the server, one per cited article, and each mark's source sentence
// beside them (hidden, named by the mark's data-quote); this script puts the mark's sentence and link into its
// article's popover (as text) and shows, hides and places it. Without it every mark is a plain link to the source.
(function () {
  "use strict";
  var open = null; // {mark, popover}
  var hoverTimer = null;

  function popoverFor(mark) {
    return document.getElementById(mark.getAttribute("data-popover"));
  }

  function place(mark, popover) {
    var box = mark.getBoundingClientRect();
    var width = popover.offsetWidth;
    var left = window.scrollX + box.left + box.width / 2 - width / 2;
    var maxLeft = window.scrollX + document.documentElement.clientWidth - width - 8;
    left = Math.max(window.scrollX + 8, Math.min(left, maxLeft));
    var top = window.scrollY + box.bottom + 8;
    if (box.bottom + popover.offsetHeight + 16 > window.innerHeight && box.top > popover.offsetHeight + 16) {
      top = window.scrollY + box.top - popover.offsetHeight - 8;
    }
    popover.style.left = left + "px";
    popover.style.top = top + "px";
  }

  function fill(mark, popover) {
    var quote = document.getElementById(mark.getAttribute("data-quote") || "");
    var slot = popover.querySelector(".popover-quote");
    if (slot) {
      slot.textContent = quote ? quote.textContent : "";
      slot.hidden = !quote;
    }
    var source = popover.querySelector(".popover-source");
    if (source) source.setAttribute("href", mark.getAttribute("href"));
  }

  function close(returnFocus) {
    clearTimeout(hoverTimer); // a hover that began before the close must not reopen it
    if (!open) return;
    var current = open;
    open = null;
    current.popover.hidden = true;
    var slot = current.popover.querySelector(".popover-quote");
    if (slot) {
      slot.textContent = "";
      slot.hidden = true;
    }
    current.mark.setAttribute("aria-expanded", "false");
    if (returnFocus) current.mark.focus();
  }

  function show(mark, focusInside) {
    var popover = popoverFor(mark);
    if (!popover) return;
    if (open && open.mark === mark) {
      if (focusInside) focusFirst(popover);
      return;
    }
    close(false);
    fill(mark, popover);
    popover.hidden = false;
    place(mark, popover);
    mark.setAttribute("aria-expanded", "true");
    open = { mark: mark, popover: popover };
    if (focusInside) focusFirst(popover);
  }

  function focusFirst(popover) {
    var link = popover.querySelector("a");
    if (link) link.focus();
  }

  function focusables() {
    return Array.prototype.filter.call(
      document.querySelectorAll("a[href], button, input, select, summary, [tabindex]:not([tabindex='-1'])"),
      function (el) { return !el.closest(".popover") && el.offsetParent !== null; }
    );
  }

  document.addEventListener("click", function (event) {
    var mark = event.target.closest && event.target.closest(".cite");
    if (mark) {
      event.preventDefault();
      clearTimeout(hoverTimer); // the click decides; the hover that led to it must not toggle it afterwards
      if (open && open.mark === mark) {
        close(false);
      } else {
        show(mark, event.detail === 0); // a keyboard "click" (Enter) moves focus into the popover
      }
      return;
    }
    if (open && !open.popover.contains(event.target)) close(false);
  });

  document.addEventListener("keydown", function (event) {
    if (!open) return;
    if (event.key === "Escape") {
      event.preventDefault();
      close(true);
    } else if (event.key === "Tab" && open.popover.contains(document.activeElement)) {
      var links = open.popover.querySelectorAll("a");
      var first = links[0], last = links[links.length - 1];
      if ((event.shiftKey && document.activeElement === first) || (!event.shiftKey && document.activeElement === last)) {
        event.preventDefault();
        var mark = open.mark;
        close(false);
        var order = focusables();
        var next = order[order.indexOf(mark) + (event.shiftKey ? 0 : 1)];
        (next || mark).focus();
      }
    }
  });

  var finePointer = window.matchMedia && window.matchMedia("(hover: hover) and (pointer: fine)").matches;
  if (finePointer) {
    document.addEventListener("mouseover", function (event) {
      var mark = event.target.closest && event.target.closest(".cite");
      var inside = open && open.popover.contains(event.target);
      if (mark || inside) {
        clearTimeout(hoverTimer);
        if (mark) hoverTimer = setTimeout(function () { show(mark, false); }, 120);
      }
    });
    document.addEventListener("mouseout", function (event) {
      var from = event.target.closest && (event.target.closest(".cite") || event.target.closest(".popover"));
      if (!from || !open) return;
      clearTimeout(hoverTimer);
      hoverTimer = setTimeout(function () {
        if (open && !open.popover.matches(":hover") && !open.mark.matches(":hover") &&
            !open.popover.contains(document.activeElement)) close(false);
      }, 250);
    });
  }

  window.addEventListener("resize", function () { if (open) place(open.mark, open.popover); });

  document.querySelectorAll(".cite").forEach(function (mark) {
    mark.setAttribute("aria-expanded", "false");
    mark.setAttribute("aria-haspopup", "dialog");
  });
})();

// Since your last visit: the browser remembers the brief version of each story the reader opened (in localStorage;
// no account, nothing sent anywhere). Coming back to a story whose brief has a newer version, the page asks the API
// what changed since the version last seen and says so over the brief, marking the sentences that state a new fact
// or a changed figure. The river marks each story with news since the reader opened it: a story whose brief was only
// reworded since (no new fact, outlet, figure or dispute) is not marked. Every piece of text goes in as text.
(function () {
  "use strict";
  var KEY = "newsloom.seen";
  var KEEP = 500; // stories remembered at most: the least recently opened are forgotten first

  function readSeen() {
    try {
      var seen = JSON.parse(window.localStorage.getItem(KEY) || "{}");
      return seen && typeof seen === "object" && !Array.isArray(seen) ? seen : {};
    } catch (error) {
      return {}; // storage off, or unreadable: nothing remembered
    }
  }

  function remember(story, version) {
    var seen = readSeen();
    delete seen[story];
    seen[story] = { version: version, at: new Date().toISOString() };
    var stories = Object.keys(seen);
    stories.slice(0, Math.max(0, stories.length - KEEP)).forEach(function (old) { delete seen[old]; });
    try {
      window.localStorage.setItem(KEY, JSON.stringify(seen));
    } catch (error) {
      // storage full or off: the next visit simply shows no changes
    }
  }

  function seenVersion(seen, story) {
    var entry = seen[story];
    var version = entry && parseInt(entry.version, 10);
    return version > 0 ? version : null;
  }

  function element(tag, className, text) {
    var made = document.createElement(tag);
    if (className) made.className = className;
    if (text !== undefined) made.textContent = text;
    return made;
  }

  function badge(sentence, words) {
    if (sentence.classList.contains("news")) return;
    sentence.classList.add("news");
    var mark = element("span", "badge badge-news", words);
    sentence.parentNode.insertBefore(mark, sentence.nextSibling);
    sentence.parentNode.insertBefore(document.createTextNode(" "), mark);
  }

  function markInBrief(texts) {
    document.querySelectorAll(".story .sentence").forEach(function (sentence) {
      var words = texts[sentence.textContent];
      if (words) badge(sentence, words);
    });
  }

  function outlets(names) {
    return " (" + names.join(", ") + ")";
  }

  function showChanges(notice, changes) {
    if (!changes || !changes.summary) return; // only reworded since: nothing to say
    var marks = {};
    (changes.changed || []).forEach(function (c) { if (c.in_brief) marks[c.in_brief] = "changed figure"; });
    (changes.new_facts || []).forEach(function (f) { if (f.in_brief) marks[f.in_brief] = "new fact"; });
    var heading = element("h2", null, "Since your last visit: " + changes.summary);
    heading.id = "changes-title";
    notice.appendChild(heading);
    notice.setAttribute("aria-labelledby", "changes-title");
    var list = element("ul");
    if (changes.new_outlets.length) {
      var word = changes.new_outlets.length === 1 ? "New outlet: " : "New outlets: ";
      list.appendChild(element("li", "change-outlets", word + changes.new_outlets.join(", ")));
    }
    changes.changed.forEach(function (c) {
      list.appendChild(element("li", "change-figure", "Changed " + c.kind + ": " + c.before.value +
        outlets(c.before.sources) + " → " + c.now.value + outlets(c.now.sources)));
    });
    var unprinted = changes.new_facts.filter(function (f) { return !f.in_brief; });
    unprinted.slice(0, 5).forEach(function (f) {
      list.appendChild(element("li", "change-fact", "New fact: " + f.text + outlets(f.sources)));
    });
    if (unprinted.length > 5) list.appendChild(element("li", null, "And " + (unprinted.length - 5) + " more."));
    changes.new_disputes.forEach(function (d) { list.appendChild(element("li", "change-dispute", "New dispute: " + d.text)); });
    changes.settled_disputes.forEach(function (d) { list.appendChild(element("li", "change-settled", "Settled: " + d.text)); });
    if (list.children.length) notice.appendChild(list);
    notice.hidden = false;
    markInBrief(marks);
  }

  var story = document.querySelector("article.story[data-story][data-version]");
  if (story) {
    var id = story.getAttribute("data-story");
    var version = parseInt(story.getAttribute("data-version"), 10);
    var last = seenVersion(readSeen(), id);
    var notice = document.getElementById("changes");
    if (last && last < version && notice && notice.hidden && !notice.children.length && window.fetch) {
      var address = "/api/stories/" + encodeURIComponent(id) + "/changes?since=" + last;
      window.fetch(address, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (answer) { return answer.ok ? answer.json() : null; })
        .then(function (changes) { showChanges(notice, changes); })
        .catch(function () { /* no changes shown: the page is whole without them */ });
    }
    if (version > 0) remember(id, version);
  }

  var seen = readSeen();
  document.querySelectorAll(".river-item[data-story][data-news-version]").forEach(function (item) {
    var last = seenVersion(seen, item.getAttribute("data-story"));
    if (last && parseInt(item.getAttribute("data-news-version"), 10) > last) {
      item.classList.add("has-news");
      var heading = item.querySelector("h2");
      if (heading) {
        heading.appendChild(document.createTextNode(" "));
        heading.appendChild(element("span", "badge badge-news", "News since your last visit"));
      }
    }
  });
})();
