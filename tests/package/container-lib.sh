# container-lib.sh: sourced by the scripts that tests/package/t-*.sh run
# inside the lab's container (bash): the two packages of the test.  In
# $SDLAB_IN: debs/ (this version and the rebuilt higher one) and versions
# (one per line: current, upgrade).  Sets V1, V2, DEB1, DEB2.
set -u
export DEBIAN_FRONTEND=noninteractive
cd "$SDLAB_IN" || exit 99
{ read -r V1; read -r V2; } < versions
arch=$(dpkg --print-architecture)
DEB1=$SDLAB_IN/debs/echod_${V1}_${arch}.deb
DEB2=$SDLAB_IN/debs/echod_${V2}_${arch}.deb
