// What scrolls sideways at the page's width: the page itself, and any
// element but a code block (long code lines may scroll; text may not).
() => {
    const root = document.documentElement;
    const found = [];
    if (root.scrollWidth > root.clientWidth + 1)
        found.push(`the page is ${root.scrollWidth} px wide`);
    for (const element of document.querySelectorAll("body *")) {
        const style = getComputedStyle(element);
        if (!["auto", "scroll"].includes(style.overflowX)) continue;
        if (element.scrollWidth <= element.clientWidth + 1) continue;
        if (element.closest("div.highlight, pre")) continue;
        const name = element.tagName.toLowerCase()
            + (element.id ? "#" + element.id : "")
            + [...element.classList].map(c => "." + c).join("");
        found.push(`${name} scrolls sideways (${element.scrollWidth} px in `
            + `${element.clientWidth} px)`);
    }
    return found;
}
