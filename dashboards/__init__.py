"""The screens, the top floor: the landing redirect and the unit, office, leader and wall
dashboards. They read through the apps' selectors and ask the apps' permissions modules;
nothing below imports them."""
