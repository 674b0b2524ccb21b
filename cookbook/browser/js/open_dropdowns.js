// Open every folded block of the page (sphinx-design's dropdowns are
// <details> elements), and say how many there were.
() => {
    const folded = document.querySelectorAll("details");
    folded.forEach((details) => { details.open = true; });
    return folded.length;
}
