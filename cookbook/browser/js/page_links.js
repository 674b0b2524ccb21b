// What the crawl needs of a page: where its links go, which ids it has for
// them to point at, and which of its images did not load.
() => ({
    links: [...document.querySelectorAll("a[href]")].map(a => a.href),
    ids: [...document.querySelectorAll("[id], a[name]")]
        .map(e => e.id || e.getAttribute("name")),
    broken: [...document.images]
        .filter(i => !i.complete || i.naturalWidth === 0)
        .map(i => i.currentSrc || i.src),
})
