// The contrast of the text of highlighted lines (.hll) against what is
// behind it, as WCAG computes it: the number of such lines, and the three
// pieces of text with the lowest ratio. Colours with transparency are laid
// over what is below them, down to the first opaque background.
() => {
    const rgb = (colour) => {
        const [r, g, b, a] = colour.match(/[\d.]+/g).map(Number);
        return {r, g, b, a: a === undefined ? 1 : a};
    };
    const over = (top, bottom) => ({
        r: top.r * top.a + bottom.r * (1 - top.a),
        g: top.g * top.a + bottom.g * (1 - top.a),
        b: top.b * top.a + bottom.b * (1 - top.a),
        a: 1,
    });
    const background = (element) => {
        const layers = [];
        for (let e = element; e; e = e.parentElement) {
            const colour = rgb(getComputedStyle(e).backgroundColor);
            if (colour.a > 0) layers.push(colour);
            if (colour.a >= 1) break;
        }
        return layers.reverse().reduce((below, top) => over(top, below),
                                       {r: 255, g: 255, b: 255, a: 1});
    };
    const luminance = ({r, g, b}) => {
        const channel = (v) => {
            v /= 255;
            return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
        };
        return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
    };
    const ratio = (a, b) => {
        const [high, low] = [luminance(a), luminance(b)].sort((x, y) => y - x);
        return (high + 0.05) / (low + 0.05);
    };
    const worst = [];
    for (const line of document.querySelectorAll(".highlight .hll")) {
        const back = background(line);
        const walker = document.createTreeWalker(line, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            if (!node.textContent.trim()) continue;
            const element = node.parentElement;
            const colour = over(rgb(getComputedStyle(element).color), back);
            const value = ratio(colour, back);
            worst.push({value, text: node.textContent.trim().slice(0, 40),
                        colour: getComputedStyle(element).color,
                        background: `rgb(${back.r}, ${back.g}, ${back.b})`});
        }
    }
    worst.sort((a, b) => a.value - b.value);
    return {lines: document.querySelectorAll(".highlight .hll").length,
            worst: worst.slice(0, 3)};
}
