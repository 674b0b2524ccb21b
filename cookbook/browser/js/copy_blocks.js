// Every code block of the page, marked with its index so that the check can
// find its copy button again, with the text it shows, whether it is a
// console block (whose button copies the command alone), and how many copy
// buttons it has.
() => [...document.querySelectorAll("div.highlight")].map(
    (block, i) => {
        const console = !!block.closest("div.highlight-console");
        block.setAttribute("data-copy-check", String(i));
        return {
            index: i,
            console,
            text: block.querySelector("pre").textContent,
            buttons: block.querySelectorAll("button.copybtn").length,
        };
    })
