/*
 * The coverage map: one chamber's districts from our own vector tiles
 * (organizing/tile_views.py), shaded by coverage, drawn with the vendored MapLibre.
 *
 * Markup: templates/organizing/includes/_map.html. Each [data-coverage-map] element
 * gets a map; the last one is also window.coverageMap (the browser tests query it).
 * No outside style, tiles, fonts or sprites: the style is a background and the
 * districts layer, with no text labels (so no glyphs are needed).
 */
(function () {
  "use strict";

  var SOURCE = "districts";
  var SOURCE_LAYER = "districts"; // organizing.tiles.LAYER
  var FILL = "districts-fill";

  function absolute(url) {
    // MapLibre fetches tiles from a worker, which cannot resolve a relative URL
    // (and new URL() would percent-encode the {z}/{x}/{y} braces).
    return url.charAt(0) === "/" ? window.location.origin + url : url;
  }

  function legendOf(section) {
    var colors = {};
    var labels = {};
    section.querySelectorAll(".coverage-map__legend [data-status]").forEach(function (item) {
      // The colours live in coverage-map.css, on the legend's swatches.
      var swatch = item.querySelector(".coverage-map__swatch");
      colors[item.dataset.status] = window.getComputedStyle(swatch).backgroundColor;
      labels[item.dataset.status] = item.textContent.trim();
    });
    return { colors: colors, labels: labels };
  }

  function style(tileUrl, colors) {
    return {
      version: 8,
      sources: {
        districts: {
          type: "vector",
          tiles: [tileUrl],
          minzoom: 0,
          maxzoom: 14,
          attribution: "US Census Bureau TIGER/Line",
        },
      },
      layers: [
        { id: "background", type: "background", paint: { "background-color": "#f7f9fc" } },
        {
          id: FILL,
          type: "fill",
          source: SOURCE,
          "source-layer": SOURCE_LAYER,
          paint: {
            "fill-color": [
              "match",
              ["get", "status"],
              "filed",
              colors.filed,
              "candidate",
              colors.candidate,
              "volunteers",
              // The public legend has no "volunteers" (volunteers never colour a district there).
              colors.volunteers || colors.none,
              colors.none,
            ],
            "fill-opacity": 0.9,
          },
        },
        {
          id: "districts-outline",
          type: "line",
          source: SOURCE,
          "source-layer": SOURCE_LAYER,
          paint: {
            "line-color": "#4d4d4d",
            "line-width": ["interpolate", ["linear"], ["zoom"], 3, 0.25, 8, 1],
          },
        },
        {
          id: "districts-highlight",
          type: "line",
          source: SOURCE,
          "source-layer": SOURCE_LAYER,
          paint: {
            "line-color": "#1b1b1b",
            "line-width": ["case", ["boolean", ["feature-state", "highlight"], false], 3, 0],
          },
        },
      ],
    };
  }

  function init(element) {
    var section = element.closest(".coverage-map") || element.parentNode;
    var status = section.querySelector("[data-coverage-map-status]");
    var legend = legendOf(section);
    var text = element.dataset;
    var map;
    try {
      map = new maplibregl.Map({
        container: element,
        style: style(absolute(element.dataset.tileUrl), legend.colors),
        bounds: JSON.parse(element.dataset.bounds),
        fitBoundsOptions: { padding: 16 },
        maxZoom: 16,
        dragRotate: false,
        pitchWithRotate: false,
        touchPitch: false,
        attributionControl: false,
      });
    } catch (error) {
      // No WebGL: say so where the map would be; the tables still have everything.
      var note = document.createElement("p");
      note.className = "coverage-map__unavailable";
      note.textContent = text.textUnavailable;
      element.appendChild(note);
      return null;
    }
    map.keyboard.disableRotation();
    map.touchZoomRotate.disableRotation();
    map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-right");
    // Bottom left: at a state's or the country's fit, the bottom right is often land
    // (New York City, Florida), the bottom left more often sea or a neighbour.
    map.addControl(new maplibregl.AttributionControl({ compact: true }), "bottom-left");
    var canvas = map.getCanvas();
    canvas.setAttribute("aria-label", text.label);

    var highlighted = null; // the feature drawn with a thick outline
    var popup = null;

    function summary(p) {
      // The public map's tiles carry a status only, no counts (public_site/tiles.py).
      if (p.candidates === undefined) return (legend.labels[p.status] || p.status) + ".";
      return (
        (legend.labels[p.status] || p.status) + ", " +
        p.candidates + " " + text.textCandidates + ", " + p.volunteers + " " + text.textVolunteers + "."
      );
    }
    function describe(feature) {
      return feature.properties.name + ": " + summary(feature.properties);
    }

    function highlight(feature) {
      if (highlighted && feature && highlighted.id === feature.id) return false;
      if (highlighted) {
        map.setFeatureState({ source: SOURCE, sourceLayer: SOURCE_LAYER, id: highlighted.id }, { highlight: false });
      }
      highlighted = feature || null;
      if (highlighted) {
        map.setFeatureState({ source: SOURCE, sourceLayer: SOURCE_LAYER, id: highlighted.id }, { highlight: true });
      }
      return true;
    }

    function open(feature, lngLat) {
      var p = feature.properties;
      if (element.dataset.districtUrl) {
        window.location.assign(element.dataset.districtUrl.replace("{geoid}", encodeURIComponent(p.geoid)));
        return;
      }
      // No district page to go to (yet): show what the tile knows.
      if (popup) popup.remove();
      var body = document.createElement("div");
      body.className = "coverage-map__popup";
      var title = document.createElement("strong");
      title.textContent = p.name;
      var line = document.createElement("p");
      line.textContent = summary(p);
      body.appendChild(title);
      body.appendChild(line);
      popup = new maplibregl.Popup({ closeButton: true, focusAfterOpen: false })
        .setLngLat(lngLat || map.getCenter())
        .setDOMContent(body)
        .addTo(map);
    }

    // Mouse: outline the district under the pointer, open it on click.
    map.on("mousemove", FILL, function (event) {
      var feature = event.features && event.features[0];
      map.getCanvas().style.cursor = "pointer";
      if (feature && highlight(feature)) status.textContent = describe(feature);
    });
    map.on("mouseleave", FILL, function () {
      map.getCanvas().style.cursor = "";
      highlight(null);
    });
    map.on("click", FILL, function (event) {
      var feature = event.features && event.features[0];
      if (feature) open(feature, event.lngLat);
    });

    // Keyboard: the district at the centre of the map is the one in focus.
    function centreFeature() {
      var centre = map.project(map.getCenter());
      return map.queryRenderedFeatures(centre, { layers: [FILL] })[0] || null;
    }
    function focusCentre() {
      if (document.activeElement !== canvas) return;
      var feature = centreFeature();
      if (highlight(feature) || !status.textContent) {
        status.textContent = feature ? describe(feature) + " " + text.textOpen : "";
      }
    }
    canvas.addEventListener("focus", focusCentre);
    canvas.addEventListener("blur", function () {
      highlight(null);
    });
    canvas.addEventListener("keydown", function (event) {
      if (event.key !== "Enter") return;
      var feature = centreFeature();
      if (feature) open(feature);
    });
    map.on("moveend", focusCentre);
    map.on("idle", function () {
      element.dataset.ready = "true";
      focusCentre();
    });

    element.coverageMap = map;
    window.coverageMap = map;
    return map;
  }

  function start() {
    document.querySelectorAll("[data-coverage-map]").forEach(init);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
