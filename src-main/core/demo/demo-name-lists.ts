/**
 * Word lists for the demo generator. Hand-written (no faker at runtime) so the demo data never
 * changes under us when a dependency updates. Accents, apostrophes, particles and compound
 * surnames are here on purpose: real rosters have them and matching must survive them.
 */

export const FIRST_NAMES = [
  'Aaliyah', 'Adrián', 'Aiko', 'Alejandro', 'Amara', 'Amelia', 'André', 'Anh', 'Aria', 'Arjun',
  'Beatriz', 'Benjamin', 'Björn', 'Camila', 'Carlos', 'Chloé', 'Chen', 'Daniel', 'Daniela', 'David',
  'Deepa', 'Diego', 'Elena', 'Eli', 'Emily', 'Emma', 'Ethan', 'Fatima', 'François', 'Gabriel',
  'Grace', 'Hannah', 'Hiroshi', 'Imani', 'Inés', 'Isaac', 'Isabella', 'Jamal', 'James', 'Jasmine',
  'Javier', 'Jin', 'Joaquín', 'Jordan', 'Julia', 'Kai', 'Kenji', 'Keisha', 'Laila', 'Leo',
  'Liam', 'Lucía', 'Malik', 'Maria', 'Mateo', 'Maya', 'Mei', 'Mohammed', 'Nadia', 'Naomi',
  'Noah', 'Noémie', 'Olivia', 'Omar', 'Priya', 'Rafael', 'Renée', 'Ravi', 'Rosa', 'Samuel',
  'Sarah', 'Sofia', 'Søren', 'Tariq', 'Thomas', 'Valentina', 'Victor', 'Wei', 'Yusuf', 'Zara',
  'Mary Ann', 'Anne-Marie', 'Jean-Luc', 'Bongani', 'Chidi', 'Ngozi', 'Tomás', 'Ximena', 'Yara', 'Zoltán',
];

export const LAST_NAMES = [
  'Abernathy', 'Adeyemi', 'Alvarez', 'Anderson', 'Bauer', 'Bianchi', 'Brown', 'Castillo', 'Chen', 'Clarke',
  'Cohen', 'da Silva', 'Dang', 'de la Cruz', 'Delgado', 'Dubois', 'Eriksen', 'Fernández', 'Fischer', 'Flores',
  'Gonzalez', 'Gupta', 'Haddad', 'Hansen', 'Harris', 'Hernández', 'Ibrahim', 'Ito', 'Jackson', 'Jensen',
  'Johnson', 'Kaur', 'Kim', 'Kowalski', 'Kumar', 'Le', 'Lee', 'Lindqvist', 'MacLeod', 'Martin',
  'Martínez', 'McAllister', 'Mendoza', 'Miller', 'Moreau', 'Müller', 'Nakamura', 'Nguyen', 'Novak', "O'Connor",
  'Okafor', 'Olsen', 'Ortiz', 'Park', 'Patel', 'Pereira', 'Petrov', 'Quinn', 'Ramírez', 'Reyes',
  'Robinson', 'Rossi', 'Sánchez', 'Santos', 'Schmidt', 'Shah', 'Singh', 'Smith', 'Suzuki', 'Tanaka',
  'Thompson', 'Torres', 'Tran', 'van der Berg', 'Vargas', 'Walker', 'Wang', 'Williams', 'Wójcik', 'Yamamoto',
  'Young', 'Zhang', 'Zimmermann', 'St. James', 'Nwosu', 'Haugen', 'Ólafsson', 'Brennan', 'Khoury', 'Acheampong',
];

export const EMAIL_DOMAINS = ['gmail.com', 'yahoo.com', 'outlook.com', 'icloud.com', 'hotmail.com', 'proton.me', 'aol.com', 'comcast.net'];

/** Where the property's own staff get their mail. */
export const STAFF_EMAIL_DOMAIN = 'harborviewliving.com';

/** Area codes around the demo property (San Francisco bay). */
export const AREA_CODES = ['415', '628', '510', '650', '925', '408'];

export const STAFF_ROLES = ['Leasing', 'Maintenance', 'Concierge', 'Security', 'Housekeeping', 'Management'];

export const MEMBER_PLANS = ['Fitness', 'Coworking', 'Pool', 'Fitness + Pool'];
