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
