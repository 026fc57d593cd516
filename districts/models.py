"""Boundary sets and districts: geography only, nothing about people.

A ``BoundarySet`` is one loaded source file (a chamber or local layer, a vintage, a
resolution); its ``District`` rows are the areas in it. Several vintages live side
by side so redistricting can be compared; per layer one vintage is current. Within
a vintage, a finer source for a state supersedes coarser ones for that state, so a
lookup never sees a district twice.

Layers are data: the three legislative chambers (``Chamber``) and the local layers
(``LocalLayer``: counties, county subdivisions, incorporated places, school
districts) share one table, told apart by ``chamber``; ``governing`` says whether an
area has a government of its own to run for (see ``districts/layers.py``).
"""

from django.contrib.gis.db import models
from django.contrib.gis.geos import Point
from django.utils.translation import gettext_lazy as _

from accounts.scope import ScopedQuerySet

from .states import STATE_CHOICES


class Chamber(models.TextChoices):
    CD = "cd", _("U.S. House")
    SLDU = "sldu", _("State senate")
    SLDL = "sldl", _("State house")


class LocalLayer(models.TextChoices):
    """Census layers of local government (TIGER/Line COUNTY, COUSUB, PLACE, UNSD, ELSD, SCSD)."""

    COUNTY = "county", _("County or equivalent")
    COUSUB = "cousub", _("Town or township (county subdivision)")
    PLACE = "place", _("City, town or village (incorporated place)")
    UNSD = "unsd", _("Unified school district")
    ELSD = "elsd", _("Elementary school district")
    SCSD = "scsd", _("Secondary school district")


# Every layer a boundary set can hold: the chambers first, then the local layers.
LAYER_CHOICES = [*Chamber.choices, *LocalLayer.choices]
LAYERS = [value for value, _label in LAYER_CHOICES]


class Resolution(models.TextChoices):
    """How detailed a source's polygons are, finest first."""

    FULL = "full", _("Full resolution (TIGER/Line)")
    CB_500K = "500k", _("Cartographic boundary 1:500,000")
    SIMPLIFIED = "simplified", _("Generalised TIGER/Line")
    CB_5M = "5m", _("Cartographic boundary 1:5,000,000")
    CB_20M = "20m", _("Cartographic boundary 1:20,000,000")


# Higher wins when two sources of one vintage cover the same state and chamber.
RESOLUTION_RANK = {
    Resolution.FULL: 5,
    Resolution.CB_500K: 4,
    Resolution.SIMPLIFIED: 3,
    Resolution.CB_5M: 2,
    Resolution.CB_20M: 1,
}


class BoundarySet(models.Model):
    """One loaded boundary source: every district of one chamber in one file."""

    chamber = models.CharField(
        max_length=8,
        choices=LAYER_CHOICES,
        help_text="Which chamber the districts elect, or which local layer (county, cousub, place, unsd, elsd, scsd).",
    )
    vintage = models.CharField(
        max_length=16,
        help_text="Which map this is: 'CD119' or 'CD120' for Congress, the legislative "
        "session year ('2024', '2026') for state legislatures, the Census release year ('2023', '2024') "
        "for local layers.",
    )
    name = models.CharField(
        max_length=200, help_text="File name of the source; with chamber and vintage it identifies the set."
    )
    source = models.CharField(max_length=500, help_text="Path or https:// URL the set was loaded from.")
    checksum = models.CharField(
        max_length=64, help_text="SHA-256 of the source file (and state filter); an unchanged source is not reloaded."
    )
    resolution = models.CharField(max_length=10, choices=Resolution.choices, help_text="How detailed the polygons are.")
    states = models.JSONField(default=list, help_text="USPS codes of the states this set has districts for.")
    is_current = models.BooleanField(
        default=False,
        help_text="Used for lookups and coverage. All sets of the chamber's current vintage are current.",
    )
    loaded_at = models.DateTimeField(auto_now=True, help_text="When the set was last (re)loaded.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["chamber", "vintage", "name"], name="boundaryset_unique_source"),
        ]
        ordering = ["chamber", "vintage", "name"]

    def __str__(self):
        return f"{self.get_chamber_display()} {self.vintage} ({self.name})"

    @property
    def rank(self) -> int:
        return RESOLUTION_RANK[self.resolution]


class DistrictQuerySet(ScopedQuerySet):
    def current(self):
        """Districts of the current vintage, each state at its finest loaded resolution."""
        return self.filter(boundary_set__is_current=True, superseded=False)

    def vintage(self, chamber: str, vintage: str):
        """One chamber's districts of a given vintage, finest resolution per state."""
        return self.filter(chamber=chamber, boundary_set__vintage=vintage, superseded=False)

    def countable(self):
        """Real districts: Census 'ZZZ' placeholder areas (mostly water) are not districts."""
        return self.filter(is_placeholder=False)

    def governing(self):
        """Areas with a government of their own: no census-designated places or statistical areas."""
        return self.filter(governing=True)

    def containing(self, point: Point):
        """Districts whose area covers the point, boundary included.

        Tested against the districts' small pieces (``DistrictPiece``), not their whole areas: a
        detailed district has tens of thousands of vertices, and reading and testing it whole cost
        more than the rest of a lookup (``bench/RESULTS.md``, district lookup).
        """
        return self.filter(pk__in=DistrictPiece.objects.filter(geometry__intersects=point).values("district_id"))

    def one_per_chamber(self):
        """The first district per chamber by GEOID: a point on a shared border gets one answer."""
        return self.order_by("chamber", "geoid").distinct("chamber")


class District(models.Model):
    """An area that elects a member of a chamber, or a local unit of one layer (a county, a town, a
    city, a school district, or a statistical area of those layers), or a Census placeholder area."""

    boundary_set = models.ForeignKey(
        BoundarySet,
        on_delete=models.CASCADE,
        related_name="districts",
        help_text="The loaded source this district came from.",
    )
    chamber = models.CharField(
        max_length=8, choices=LAYER_CHOICES, help_text="Copy of the set's chamber or local layer, for indexed filters."
    )
    state = models.CharField(max_length=2, choices=STATE_CHOICES, help_text="USPS code of the state.")
    state_fips = models.CharField(max_length=2, help_text="Census FIPS code of the state.")
    code = models.CharField(
        max_length=8,
        help_text="Census district code within the state ('12', '075', 'A-1'; '00' at large, 'ZZZ' placeholder); "
        "for local layers the COUNTYFP, COUSUBFP, PLACEFP or school district LEA code.",
    )
    geoid = models.CharField(
        max_length=12,
        help_text="Census GEOID: state FIPS followed by the district code (and the county code for a county "
        "subdivision).",
    )
    ocd_id = models.CharField(
        max_length=200,
        blank=True,
        help_text="Open Civic Data division ID, e.g. ocd-division/country:us/state:ny/sldl:75; empty where OCD "
        "defines none (county subdivisions, school districts, statistical areas).",
    )
    name = models.CharField(
        max_length=200,
        help_text="Display name, e.g. 'New York Assembly District 75', 'Chittenden County', 'Essex Junction city'.",
    )
    kind = models.CharField(
        max_length=60,
        blank=True,
        help_text="What the area is, as Census names it: 'County', 'city', 'town', 'village', 'CDP', "
        "'unified school district'; empty for legislative districts.",
    )
    governing = models.BooleanField(
        default=True,
        help_text="Has a government of its own (people run for office in it). False for census-designated "
        "places, statistical or nonfunctioning county subdivisions and counties, and places that serve as "
        "county subdivisions (counted once, as places); such areas count in no denominator.",
    )
    seats = models.PositiveSmallIntegerField(default=1, help_text="Members elected from the district.")
    is_placeholder = models.BooleanField(
        default=False, help_text="Census 'ZZZ' area with no district defined; never counted."
    )
    voting = models.BooleanField(
        default=True, help_text="False for the non-voting House delegates of DC and Puerto Rico."
    )
    superseded = models.BooleanField(
        default=False,
        help_text="A finer source of the same vintage covers this state; lookups and coverage skip this row.",
    )
    geometry = models.MultiPolygonField(srid=4326, help_text="District area, WGS 84 longitude/latitude.")
    internal_point = models.PointField(
        srid=4326, null=True, blank=True, help_text="Census internal point (INTPTLAT/INTPTLON), inside the district."
    )
    attributes = models.JSONField(default=dict, help_text="The source's attributes, unchanged.")

    objects = DistrictQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["boundary_set", "geoid"], name="district_unique_geoid_per_set"),
        ]
        indexes = [
            models.Index(fields=["chamber", "state"]),
            models.Index(fields=["geoid"]),
            models.Index(fields=["ocd_id"]),
            # Lists of a layer's countable districts (the coverage figures, a state page, the
            # district API) read only these columns: an index-only scan of a few MB instead of
            # the table, whose rows carry the boundaries (60 MB at the full district set).
            models.Index(
                fields=["chamber", "state"],
                include=["id", "boundary_set", "code", "geoid", "ocd_id", "name", "seats", "voting"],
                condition=models.Q(superseded=False, is_placeholder=False, governing=True),
                name="district_countable_list",
            ),
        ]
        ordering = ["chamber", "state", "geoid"]

    def __str__(self):
        return self.name


class ZipCode(models.Model):
    """One USPS ZIP code: where its centre is and which congressional districts it overlaps.

    A row is a ZIP known to the USPS (active or retired) with its centroid, used to
    place a sign-up that gave only a ZIP code (or whose street address the Census
    Geocoder could not match). ``cd_geoids`` comes from the Census ZCTA-to-district
    relationship: a ZCTA approximates a ZIP's delivery area, and ZIPs without a
    ZCTA (PO boxes, single buildings, military) have none. Loaded by ``load_zipcodes``.
    """

    zip = models.CharField(max_length=5, primary_key=True, help_text="Five-digit ZIP code, e.g. '10001'.")
    state = models.CharField(
        max_length=2,
        help_text="USPS code of the state the ZIP is assigned to; also 'AA'/'AE'/'AP' (military) "
        "and 'FM'/'MH'/'PW' (freely associated states).",
    )
    city = models.CharField(max_length=100, help_text="USPS default city name of the ZIP.")
    point = models.PointField(srid=4326, help_text="ZIP centroid (GeoNames), WGS 84 longitude/latitude.")
    cd_geoids = models.JSONField(
        default=list,
        blank=True,
        help_text="Census GEOIDs of the 119th-Congress districts the ZIP's ZCTA overlaps, sorted, e.g. "
        "['3610', '3612']; empty when unknown (no ZCTA for this ZIP).",
    )
    active = models.BooleanField(default=True, help_text="False for ZIP codes the USPS has retired.")

    class Meta:
        ordering = ["zip"]

    def __str__(self):
        return f"{self.zip} {self.city}, {self.state}"

    @property
    def is_ambiguous(self) -> bool:
        """The ZIP overlaps more than one congressional district, so its centre does not decide the district."""
        return len(self.cd_geoids) > 1


# Most vertices a piece keeps: small enough that a point test reads one short row, large enough
# that a district stays a few dozen pieces (PostGIS's own default is 256).
PIECE_MAX_VERTICES = 128


class DistrictPiece(models.Model):
    """A small piece of a district's area (``ST_Subdivide``), what point lookups test against.

    Written by the database itself: a trigger on ``districts_district`` (migration
    ``0004_district_pieces``) cuts a district into pieces when it is inserted and again when
    its geometry changes, so every writer (loader, admin, test factories, raw SQL) keeps
    the pieces true without knowing of them. Deleting a district deletes its pieces.
    """

    district = models.ForeignKey(
        District, on_delete=models.CASCADE, related_name="pieces", help_text="The district this piece is part of."
    )
    geometry = models.GeometryField(
        srid=4326,
        help_text=f"Part of the district's area with at most {PIECE_MAX_VERTICES} vertices (GiST-indexed).",
    )

    def __str__(self):
        return f"Piece of {self.district_id}"
